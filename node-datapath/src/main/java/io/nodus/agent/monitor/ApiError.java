package io.nodus.agent.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of every error the agent's local API answers, the REST API's shape: a stable code for
 * programs, a message for people and, when one is at fault, the query parameter. node-datapath
 * may not depend on rest-api, so this is a copy of its {@code ApiError} and of the status codes
 * of its {@code HttpErrors}; the two tables must stay the same.
 *
 * @param code stable machine-readable code, e.g. "invalid_argument"
 * @param message what went wrong, for people
 * @param field the offending query parameter, or null
 */
public record ApiError(String code, String message, String field) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The media type of every error body. */
  public static final String JSON_TYPE = "application/json";

  public ApiError {
    if (code == null || code.isEmpty() || message == null) {
      throw new IllegalArgumentException("an error needs a code and a message, got code=" + code);
    }
  }

  /**
   * An error the HTTP layer itself answers with {@code status} (no route, a request it cannot
   * parse, limits), as opposed to one a route explains. A failure of the agent's (500 and the
   * like) never carries its cause's text, which may show internals; 501, 503 and 505 say what the
   * request or the moment got wrong.
   */
  public static ApiError ofStatus(int status, String message) {
    boolean internal = status >= 500 && status != 501 && status != 503 && status != 505;
    String text = internal ? "internal error; the agent log has the details"
        : message == null || message.isBlank() ? code(status) : message;
    return new ApiError(code(status), text, null);
  }

  /** The code of an error answered with {@code status} that no route explained. */
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

  /** The JSON body; {@code field} is left out when there is none. */
  public byte[] toJson() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", code);
    body.put("message", message);
    if (field != null && !field.isEmpty()) {
      body.put("field", field);
    }
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
