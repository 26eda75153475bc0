package io.nodus.raft.storage;

import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * The replica's store failed or holds something it cannot read: a broken invariant or a failing
 * disk, not a user error. {@link #corrupt()} tells a store whose content is damaged (it may be
 * rebuilt from a checkpoint and the Raft log) from one that cannot be reached now (a full disk,
 * an I/O or permission error: nothing may be discarded, the replica waits until it can read it).
 */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean corrupt;

  public StorageException(String message) {
    this(message, null);
  }

  public StorageException(String message, Throwable cause) {
    this(message, cause, isCorruption(cause));
  }

  private StorageException(String message, Throwable cause, boolean corrupt) {
    super(message + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
    this.corrupt = corrupt;
  }

  /** A store whose content cannot be parsed or fails its checksums. */
  public static StorageException corrupt(String message, Throwable cause) {
    return new StorageException(message, cause, true);
  }

  /** Whether the store's content is damaged, rather than out of reach. */
  public boolean corrupt() {
    return corrupt;
  }

  private static boolean isCorruption(Throwable cause) {
    return cause instanceof RocksDBException r && r.getStatus() != null && r.getStatus().getCode() == Status.Code.Corruption;
  }
}
