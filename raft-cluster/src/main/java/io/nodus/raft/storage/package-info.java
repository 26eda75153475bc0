/**
 * RocksDB storage of one replica: the current resources, the event history and the applied Raft
 * position, written in one {@code WriteBatch} per applied entry; and the directory of checkpoints
 * that serve as Raft snapshots. Knows nothing of Ratis.
 */
package io.nodus.raft.storage;
