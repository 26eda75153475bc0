package io.nodus.agent.plumbing;

/** A step of endpoint plumbing failed; the message says which command and why. */
public final class PlumbingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PlumbingException(String message) {
    super(message);
  }

  public PlumbingException(String message, Throwable cause) {
    super(message, cause);
  }
}
