/**
 * Conversions between the replicated state and bytes: the {@code ClusterState} snapshot form (watch
 * snapshots, state hashes), the per-resource form the controller keeps in RocksDB, and the
 * resource kinds that kind-filtered watches select by.
 */
package io.nodus.state.codec;
