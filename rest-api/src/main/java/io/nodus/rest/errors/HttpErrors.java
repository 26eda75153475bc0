package io.nodus.rest.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.nodus.rest.api.ApiError;
import io.nodus.state.model.HttpStatusCodes;
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
    return HttpStatusCodes.code(status);
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
