package io.nodus.state.model;

/** The stable codes of rejections; clients and the REST layer switch on them. */
public final class RejectionCodes {
  /** Malformed or out-of-range input; the field names what. */
  public static final String INVALID_ARGUMENT = "invalid_argument";
  /** The named resource does not exist. */
  public static final String NOT_FOUND = "not_found";
  /** A resource with that name or value exists already. */
  public static final String ALREADY_EXISTS = "already_exists";
  /** A pool (identities, CIDRs, IPs) has nothing left to hand out. */
  public static final String EXHAUSTED = "exhausted";
  /** The state does not allow the command now (e.g. reconfiguring a cluster in use). */
  public static final String FAILED_PRECONDITION = "failed_precondition";

  private RejectionCodes() {}
}
