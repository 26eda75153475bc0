package io.nodus.agent.monitor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodus.state.model.HttpStatusCodes;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of every error the agent's local API answers, the REST API's shape: a stable code for
 * programs, a message for people and, when one is at fault, the query parameter. The codes of
 * HTTP's own errors come from {@link HttpStatusCodes}, which the REST API answers with too.
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
    return HttpStatusCodes.code(status);
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
