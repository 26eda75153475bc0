package io.nodus.raft.storage;

/** The replica's store failed or holds something it cannot read: a broken invariant, not a user error. */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
