package io.nodus.rest.errors;

/** The control plane could not be reached or has no leader; answered with 503. */
public final class ControlPlaneUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ControlPlaneUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
