package io.nodus.rest.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.nodus.rest.api.ApiError;
import java.io.UncheckedIOException;

/**
 * Stable codes for the errors HTTP itself produces (no route, wrong method, media type, sizes),
 * as opposed to the rejection codes of the state machine. Jersey's mappers and Jetty's error
 * handler both answer through here, so a client sees one code per status whoever answered.
 */
public final class HttpErrors {
  /** The media type of every error body. */
  public static final String JSON_TYPE = "application/json";

  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private HttpErrors() {}

  /** The code of an error answered with {@code status} that is not a rejection. */
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

  /** The JSON body of an error answered with {@code status}; a 5xx never carries internals. */
  public static byte[] body(int status, String message) {
    String text = status >= 500 && status != 503 ? "internal error" : message == null || message.isBlank() ? code(status) : message;
    return bytes(new ApiError(code(status), text, null));
  }

  static byte[] bytes(ApiError error) {
    try {
      return MAPPER.writeValueAsBytes(error);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
