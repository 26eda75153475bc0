package io.nodus.rest.core;

import io.nodus.state.proto.Rejection;

/** The control plane refused a command; mapped to a 4xx by its code. */
public final class RejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Rejection rejection;

  public RejectedException(Rejection rejection) {
    super(rejection.getMessage(), null, false, false);
    this.rejection = rejection;
  }

  public Rejection rejection() {
    return rejection;
  }
}
