package io.nodus.ops.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A small client of the Nodus REST API. Errors come back as {@link CliException}s whose message
 * is the server's error text and the field it names, ready to print.
 */
public final class RestClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http;

  public RestClient(String server) {
    this.base = URI.create(server.endsWith("/") ? server.substring(0, server.length() - 1) : server);
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * An answer.
   *
   * @param status HTTP status
   * @param body body text
   * @param revision the X-Nodus-Revision header, or -1
   * @param continueToken the X-Nodus-Continue header of a list page (the next page's token), or ""
   */
  public record Reply(int status, String body, long revision, String continueToken) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new CliException("the server sent something that is not JSON: " + e.getMessage());
      }
    }
  }

  public Reply get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET().header("Accept", "application/json"), path);
  }

  public Reply getAs(String path, String accept) {
    return send(HttpRequest.newBuilder(uri(path)).GET().header("Accept", accept), path);
  }

  /** POST; {@code headers} are name, value pairs (preconditions). */
  public Reply post(String path, String contentType, String body, String... headers) {
    return send(withHeaders(HttpRequest.newBuilder(uri(path)), headers).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body)), path);
  }

  /** DELETE; {@code headers} are name, value pairs (preconditions). */
  public Reply delete(String path, String... headers) {
    return send(withHeaders(HttpRequest.newBuilder(uri(path)), headers).DELETE(), path);
  }

  private static HttpRequest.Builder withHeaders(HttpRequest.Builder b, String... headers) {
    return headers.length == 0 ? b : b.headers(headers);
  }

  private URI uri(String path) {
    return URI.create(base + path);
  }

  private Reply send(HttpRequest.Builder request, String path) {
    try {
      HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      long revision = r.headers().firstValue("X-Nodus-Revision").map(Long::parseLong).orElse(-1L);
      Reply reply = new Reply(r.statusCode(), r.body(), revision, r.headers().firstValue("X-Nodus-Continue").orElse(""));
      if (r.statusCode() >= 400) {
        throw new CliException(describe(reply));
      }
      return reply;
    } catch (ConnectException e) {
      throw new CliException("cannot reach the Nodus API at " + base + " (is `./nodus up` running?)");
    } catch (IOException e) {
      throw new CliException("request to " + base + path + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  private static String describe(Reply r) {
    try {
      JsonNode e = JSON.readTree(r.body());
      String field = e.path("field").asText("");
      return "error: " + e.path("message").asText(r.body()) + (field.isEmpty() ? "" : " (field: " + field + ")")
          + " [" + e.path("code").asText(Integer.toString(r.status())) + "]";
    } catch (IOException ex) {
      return "error: HTTP " + r.status() + ": " + r.body();
    }
  }
}
