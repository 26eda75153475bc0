/**
 * `ops/bench/control-plane`: policy-upsert throughput and latency of 3 Nodus controllers next to
 * 3 etcd members in the same run, watch fan-out and identity allocation.
 */
package io.nodus.ops.bench.controlplane;
