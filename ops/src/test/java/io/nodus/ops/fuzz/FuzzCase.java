package io.nodus.ops.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One request a fuzz test sends: method, request target (path and query, sent as is), headers
 * and body bytes (null: no body).
 */
record FuzzCase(String method, String target, Map<String, String> headers, byte[] body) {
  FuzzCase {
    headers = Map.copyOf(headers);
  }

  /** Readable in a failure report: long values cut, bytes outside printable ASCII escaped. */
  @Override
  public String toString() {
    return method + " " + printable(target, 200) + " " + headers.entrySet().stream()
        .map(e -> e.getKey() + ": " + printable(e.getValue(), 80)).toList()
        + (body == null ? " (no body)" : " body[" + body.length + "]=" + printable(new String(body, StandardCharsets.ISO_8859_1), 600));
  }

  private static String printable(String s, int max) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < max; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7f || c == '\n' ? String.valueOf(c) : String.format("\\x%02X", (int) c));
    }
    return s.length() > max ? out + "...(" + s.length() + ")" : out.toString();
  }
}
