package io.nodus.raft.client;

/** A control-plane call failed; {@link #reason()} says whether retrying can help. */
public class ControlPlaneException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the call failed. */
  public enum Reason {
    /** No controller could serve the call within the client's retry budget. */
    UNAVAILABLE,
    /** The request itself is malformed. */
    INVALID_ARGUMENT,
    /** A watch asked for a revision beyond the current one + 1. */
    OUT_OF_RANGE,
    /** The call took longer than its deadline; a submitted command may still have been applied. */
    DEADLINE_EXCEEDED,
    /** The controller failed in an unexpected way. */
    INTERNAL
  }

  private final Reason reason;

  public ControlPlaneException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
