package io.nodus.rest.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.nodus.state.model.InvalidFieldException;
import java.util.stream.Collectors;

/**
 * Strict JSON request bodies: unknown fields, wrong types and duplicate keys are errors that
 * name the field, instead of the generic "Unable to process JSON".
 */
public final class JsonBodies {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private JsonBodies() {}

  public static <T> T read(String body, Class<T> type) {
    if (body == null || body.isBlank()) {
      throw InvalidFieldException.invalid("", "the request body is empty");
    }
    try {
      return MAPPER.readValue(body, type);
    } catch (UnrecognizedPropertyException e) {
      throw InvalidFieldException.invalid(path(e), "unknown field '" + e.getPropertyName() + "'");
    } catch (JsonMappingException e) {
      throw InvalidFieldException.invalid(path(e), e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw InvalidFieldException.invalid("", "malformed JSON: " + e.getOriginalMessage());
    }
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }
}
