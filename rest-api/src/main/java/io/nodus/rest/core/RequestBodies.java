package io.nodus.rest.core;

import io.nodus.state.model.InvalidFieldException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.core.MediaType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Request bodies as text, decoded strictly: a body is UTF-8 (the only charset a request may
 * declare) or it is refused. JAX-RS decodes a {@code String} entity with replacement characters,
 * which would store a "verbatim" policy document other than the one sent; resources therefore take
 * the bytes and decode them here, so what is stored is byte for byte what arrived, or nothing.
 */
public final class RequestBodies {
  /** The field an error about the body as a whole names. */
  public static final String BODY = "body";

  private RequestBodies() {}

  /** The body's text; {@code contentType} is the raw header (may be null). */
  public static String text(byte[] body, String contentType) {
    requireUtf8(contentType);
    if (body == null) {
      return "";
    }
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(body);
    try {
      return decoder.decode(in).toString();
    } catch (MalformedInputException e) {
      // The decoder stops at the first bad sequence, so the buffer's position is its offset.
      throw InvalidFieldException.invalid(BODY, "the body is not valid UTF-8: invalid byte sequence at offset " + in.position());
    } catch (CharacterCodingException e) {
      throw InvalidFieldException.invalid(BODY, "the body is not valid UTF-8");
    }
  }

  private static void requireUtf8(String contentType) {
    if (contentType == null) {
      return;
    }
    String charset;
    try {
      charset = MediaType.valueOf(contentType).getParameters().get(MediaType.CHARSET_PARAMETER);
    } catch (IllegalArgumentException e) {
      throw InvalidFieldException.invalid("Content-Type", "unreadable Content-Type '" + contentType + "'");
    }
    if (charset != null && !charset.toLowerCase(Locale.ROOT).replace("\"", "").equals("utf-8")) {
      throw new NotSupportedException("charset '" + charset + "' is not supported: request bodies are UTF-8");
    }
  }
}
