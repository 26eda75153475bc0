package io.nodus.raft.grpc;

/** The Raft group cannot serve a request now; the caller may retry, here or at another controller. */
public class UnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
