package io.nodus.raft.server;

import java.io.IOException;

/**
 * The replica's state store cannot be opened or rebuilt now (a full disk, an I/O or permission
 * error, a schema this build does not read, a store with a gap the log cannot fill). The replica
 * does not start: it neither serves, nor votes, nor leads, until the cause is cleared.
 */
final class StoreUnavailableException extends IOException {
  private static final long serialVersionUID = 1L;

  StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The store failure among {@code t}'s causes, if any. */
  static StoreUnavailableException find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof StoreUnavailableException s) {
        return s;
      }
    }
    return null;
  }
}
