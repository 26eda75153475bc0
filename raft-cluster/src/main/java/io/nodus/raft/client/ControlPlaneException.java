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
  private final String code;

  public ControlPlaneException(Reason reason, String message, Throwable cause) {
    this(reason, reason.name().toLowerCase(java.util.Locale.ROOT), message, cause);
  }

  /**
   * @param code the controller's stable code for the failure (e.g. {@code storage_unavailable}
   *     when its disk failed), or the reason in lower case when it gave none
   */
  public ControlPlaneException(Reason reason, String code, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
    this.code = code;
  }

  public Reason reason() {
    return reason;
  }

  /** The stable code of the failure, e.g. {@code unavailable}, {@code storage_unavailable}, {@code replica_not_ready}. */
  public String code() {
    return code;
  }
}
