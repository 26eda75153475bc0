/**
 * `ops/bench datapath`: packets per second and TCP throughput through the Nodus datapath next to
 * no program and next to equivalent iptables rule sets, the per-run program cost from the
 * kernel's BPF statistics, and policy propagation latency on a node with 1,000 endpoints.
 */
package io.nodus.ops.bench.datapath;
