package io.nodus.raft.grpc;

/**
 * The controller cannot serve a request now; the caller may retry, here or at another controller.
 * {@link #code()} is the stable code clients see (in the {@code nodus-code} trailer, and as the
 * REST error code): {@code unavailable} in general, or a condition of this controller's replica
 * ({@code storage_unavailable}, {@code replica_not_ready}) for which another controller may serve
 * at once but this one will not for a while.
 */
public class UnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The general code: no leader, shutting down, a call that timed out inside Raft. */
  public static final String UNAVAILABLE = "unavailable";
  /** This controller's storage failed (a full disk, an I/O error, a store it cannot open). */
  public static final String STORAGE_UNAVAILABLE = "storage_unavailable";
  /** This controller's replica has not shown yet that it is current (starting, catching up). */
  public static final String REPLICA_NOT_READY = "replica_not_ready";

  private final String code;

  public UnavailableException(String message, Throwable cause) {
    this(UNAVAILABLE, message, cause);
  }

  public UnavailableException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public String code() {
    return code;
  }

  /** Whether {@code code} is a condition of one controller's replica, which other controllers may not share. */
  public static boolean isReplicaCondition(String code) {
    return STORAGE_UNAVAILABLE.equals(code) || REPLICA_NOT_READY.equals(code);
  }
}
