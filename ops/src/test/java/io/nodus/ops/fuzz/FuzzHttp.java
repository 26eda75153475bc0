package io.nodus.ops.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one request per connection, so that a fuzz case can carry what
 * {@code java.net.http} refuses to send (undecodable paths, malformed headers, any bytes).
 */
final class FuzzHttp {
  /** An answer; {@code status} -1 when the server closed the connection without one. */
  record Answer(int status, Map<String, String> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String contentType() {
      return headers.getOrDefault("content-type", "");
    }
  }

  private FuzzHttp() {}

  static Answer send(int port, FuzzCase c) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(60_000);
      StringBuilder head = new StringBuilder(c.method() + " " + c.target() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
      c.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      if (c.body() != null) {
        head.append("Content-Length: ").append(c.body().length).append("\r\n");
      }
      head.append("\r\n");
      try {
        OutputStream out = s.getOutputStream();
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        if (c.body() != null) {
          out.write(c.body());
        }
        out.flush();
      } catch (IOException e) {
        // The server may answer (413, 414, 431) and close before reading everything: read the answer.
      }
      return read(s.getInputStream());
    }
  }

  private static Answer read(InputStream in) throws IOException {
    byte[] all;
    try {
      all = in.readAllBytes();
    } catch (IOException e) {
      all = new byte[0];
    }
    String text = new String(all, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    if (end < 0) {
      return new Answer(-1, Map.of(), all);
    }
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
      }
    }
    byte[] rest = Arrays.copyOfRange(all, end + 4, all.length);
    return new Answer(status, headers, "chunked".equalsIgnoreCase(headers.get("transfer-encoding")) ? dechunk(rest) : rest);
  }

  private static byte[] dechunk(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < raw.length) {
      int lineEnd = i;
      while (lineEnd + 1 < raw.length && !(raw[lineEnd] == '\r' && raw[lineEnd + 1] == '\n')) {
        lineEnd++;
      }
      int size = Integer.parseInt(new String(raw, i, lineEnd - i, StandardCharsets.ISO_8859_1).split(";")[0].strip(), 16);
      if (size == 0) {
        break;
      }
      out.write(raw, lineEnd + 2, Math.min(size, raw.length - lineEnd - 2));
      i = lineEnd + 2 + size + 2;
    }
    return out.toByteArray();
  }
}
