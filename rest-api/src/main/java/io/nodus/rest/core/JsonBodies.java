package io.nodus.rest.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.nodus.state.model.InvalidFieldException;
import java.util.stream.Collectors;

/**
 * Strict JSON request bodies: unknown fields, wrong types, duplicate keys, numbers that are not
 * integers or do not fit, scalars of the wrong kind ({@code "80"} for a number, {@code 1} for a
 * string or a boolean) and nulls inside lists and maps are errors that name the field, instead of
 * a silent conversion ({@code 80.9} stored as 80) or a generic "Unable to process JSON". The body
 * is decoded strictly first ({@link RequestBodies}).
 */
public final class JsonBodies {
  private static final ObjectMapper MAPPER = strictMapper();

  private JsonBodies() {}

  private static ObjectMapper strictMapper() {
    JsonMapper mapper = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    // Numbers and booleans are not strings, and strings are not numbers or booleans.
    for (LogicalType t : new LogicalType[] {LogicalType.Textual, LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
      mapper.coercionConfigFor(t)
          .setCoercion(CoercionInputShape.Integer, t == LogicalType.Integer ? CoercionAction.TryConvert : CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, t == LogicalType.Float ? CoercionAction.TryConvert : CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, t == LogicalType.Boolean ? CoercionAction.TryConvert : CoercionAction.Fail)
          .setCoercion(CoercionInputShape.String, t == LogicalType.Textual ? CoercionAction.TryConvert : CoercionAction.Fail)
          .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
    }
    return mapper;
  }

  /** Decodes {@code body} strictly ({@link RequestBodies#text}) and binds it to {@code type}. */
  public static <T> T read(byte[] body, String contentType, Class<T> type) {
    return read(RequestBodies.text(body, contentType), type);
  }

  public static <T> T read(String body, Class<T> type) {
    if (body == null || body.isBlank()) {
      throw InvalidFieldException.invalid("", "the request body is empty");
    }
    T value;
    try {
      value = MAPPER.readValue(body, type);
    } catch (UnrecognizedPropertyException e) {
      throw InvalidFieldException.invalid(path(e), "unknown field '" + e.getPropertyName() + "'");
    } catch (InvalidNullException e) {
      throw InvalidFieldException.invalid(path(e), "must not be null");
    } catch (MismatchedInputException e) {
      if (e.getCause() instanceof InvalidFieldException ife) {
        throw ife;
      }
      throw InvalidFieldException.invalid(path(e), "must be " + expected(e.getTargetType()) + ", not " + found(e));
    } catch (JsonMappingException e) {
      // A record's compact constructor names the field itself (nulls inside lists and maps).
      if (e.getCause() instanceof InvalidFieldException ife) {
        throw ife;
      }
      throw InvalidFieldException.invalid(path(e), e.getOriginalMessage());
    } catch (InputCoercionException e) {
      // Thrown by the parser, not the binder: the parser's context knows where it was.
      String field = e.getProcessor() instanceof JsonParser p ? path(p.getParsingContext()) : "";
      throw InvalidFieldException.invalid(field, e.getOriginalMessage());
    } catch (JsonProcessingException e) {
      throw InvalidFieldException.invalid("", "malformed JSON: " + e.getOriginalMessage());
    }
    // The literal null binds to no object at all (found by the REST fuzz tests: a 500).
    if (value == null) {
      throw InvalidFieldException.invalid("", "the request body must be a JSON object, not null");
    }
    return value;
  }

  /** What a field of {@code type} takes, in the words of the API rather than Java's. */
  private static String expected(Class<?> type) {
    if (type == null) {
      return "another type";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "an integer";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    return "an object";
  }

  /** The JSON value the parser stood on when binding failed. */
  private static String found(MismatchedInputException e) {
    if (!(e.getProcessor() instanceof JsonParser p) || p.currentToken() == null) {
      return "a value of another type";
    }
    JsonToken t = p.currentToken();
    try {
      return switch (t) {
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + abbreviated(p.getText());
        case VALUE_STRING -> "the string \"" + abbreviated(p.getText()) + "\"";
        case VALUE_TRUE, VALUE_FALSE -> "a boolean";
        case VALUE_NULL -> "null";
        case START_ARRAY -> "a list";
        case START_OBJECT, FIELD_NAME -> "an object";
        default -> "a value of another type";
      };
    } catch (java.io.IOException io) {
      return "a value of another type";
    }
  }

  private static String abbreviated(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  private static String path(JsonStreamContext ctx) {
    StringBuilder out = new StringBuilder();
    for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
      String part = c.inArray() ? "[" + c.getCurrentIndex() + "]" : c.getCurrentName() == null ? "" : "." + c.getCurrentName();
      out.insert(0, part);
    }
    return out.length() > 0 && out.charAt(0) == '.' ? out.substring(1) : out.toString();
  }

  private static String path(JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }
}
