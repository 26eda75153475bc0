package io.nodus.rest.errors;

/**
 * The control plane could not serve the request now; answered with 503 and {@link #code()}:
 * {@code unavailable} (no leader, no controller reachable), {@code storage_unavailable} (the
 * controller's disk failed) or {@code replica_not_ready} (it is catching up after a restart).
 */
public final class ControlPlaneUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  public ControlPlaneUnavailableException(String message, Throwable cause) {
    this("unavailable", message, cause);
  }

  public ControlPlaneUnavailableException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** The stable error code of the answer. */
  public String code() {
    return code;
  }
}
