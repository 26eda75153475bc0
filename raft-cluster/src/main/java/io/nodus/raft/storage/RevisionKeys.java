package io.nodus.raft.storage;

import java.nio.ByteBuffer;

/**
 * Keys of the {@code events} column family: the revision as 8 big-endian bytes, so that RocksDB's
 * bytewise order is revision order and a range delete trims a prefix of the history.
 */
final class RevisionKeys {
  private RevisionKeys() {}

  static byte[] encode(long revision) {
    if (revision < 0) {
      throw new IllegalArgumentException("revision must be >= 0, got " + revision);
    }
    return ByteBuffer.allocate(Long.BYTES).putLong(revision).array();
  }

  static long decode(byte[] key) {
    if (key.length != Long.BYTES) {
      throw new StorageException("event key has " + key.length + " bytes, expected 8");
    }
    return ByteBuffer.wrap(key).getLong();
  }
}
