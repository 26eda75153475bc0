package io.nodus.raft.storage;

import java.nio.ByteBuffer;

/**
 * A position in the Raft log: the term and index of an entry. Stored in the {@code meta} column
 * family as the last entry the replica applied.
 *
 * @param term Raft term of the entry
 * @param index Raft log index of the entry; -1 before anything was applied
 */
public record LogPosition(long term, long index) {
  /** Before the first entry. */
  public static final LogPosition NONE = new LogPosition(0, -1);

  public LogPosition {
    if (index < -1) {
      throw new IllegalArgumentException("index must be >= -1, got " + index);
    }
  }

  byte[] toBytes() {
    return ByteBuffer.allocate(16).putLong(term).putLong(index).array();
  }

  static LogPosition fromBytes(byte[] bytes) {
    if (bytes.length != 16) {
      throw new StorageException("applied position record has " + bytes.length + " bytes, expected 16");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    return new LogPosition(b.getLong(), b.getLong());
  }
}
