package io.nodus.state.model;

/**
 * The stable code of an error that HTTP itself produces (no route, a wrong method or media type,
 * a request too large), as opposed to the {@link RejectionCodes} of the state machine. Every HTTP
 * surface (the REST API and the agent's local API) answers through this one table, so a client
 * sees one code per status whichever surface, and whichever server layer, answered.
 */
public final class HttpStatusCodes {
  private HttpStatusCodes() {}

  /** The code of an error answered with {@code status} that no rejection explains. */
  public static String code(int status) {
    return switch (status) {
      case 400 -> "bad_request";
      case 401 -> "unauthenticated";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 406 -> "not_acceptable";
      case 408 -> "request_timeout";
      case 411 -> "length_required";
      case 412 -> "failed_precondition";
      case 413 -> "payload_too_large";
      case 414 -> "uri_too_long";
      case 415 -> "unsupported_media_type";
      case 417 -> "expectation_failed";
      case 429 -> "too_many_requests";
      case 431 -> "headers_too_large";
      case 500 -> "internal";
      case 501 -> "not_implemented";
      case 503 -> "unavailable";
      case 505 -> "http_version_not_supported";
      default -> "http_" + status;
    };
  }
}
