/**
 * Conversions between images and bytes: the {@code ClusterState} snapshot form (watch snapshots,
 * state hashes) and the per-resource form the controller keeps in RocksDB.
 */
package io.nodus.state.codec;
