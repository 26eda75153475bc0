package io.nodus.state.model;

/**
 * A user's input broke a rule. Carries a stable code and the path of the offending field; decide
 * turns it into a {@code Rejection}, the REST layer into a 4xx. Never used for broken invariants.
 */
public final class InvalidFieldException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final String field;

  public InvalidFieldException(String code, String field, String message) {
    super(message, null, false, false);
    this.code = code;
    this.field = field;
  }

  /** An {@code invalid_argument} error on {@code field}. */
  public static InvalidFieldException invalid(String field, String message) {
    return new InvalidFieldException(RejectionCodes.INVALID_ARGUMENT, field, message);
  }

  public String code() {
    return code;
  }

  public String field() {
    return field;
  }

  /** The same error with {@code prefix} prepended to the field path. */
  public InvalidFieldException under(String prefix) {
    String path = field == null || field.isEmpty() ? prefix : prefix + (field.startsWith("[") ? "" : ".") + field;
    return new InvalidFieldException(code, path, getMessage());
  }
}
