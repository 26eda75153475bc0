/**
 * Test fixtures over the real kernel: unique pin roots, namespaces and veth topologies, real
 * traffic from inside namespaces, event collection and deadline polling. Everything a fixture
 * creates carries a random suffix and is removed on close, also after failures.
 */
package io.nodus.bpf.testing;
