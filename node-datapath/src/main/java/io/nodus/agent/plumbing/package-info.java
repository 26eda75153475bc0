/**
 * Endpoint plumbing in the kernel's networking: network namespaces, veth pairs, addresses,
 * routes and sysctls, done with iproute2 so that an operator can reproduce and inspect every
 * step by hand.
 */
package io.nodus.agent.plumbing;
