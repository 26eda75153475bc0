package io.nodus.ops.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodus.agent.monitor.MonitorRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;

/**
 * Reads the agent's monitor stream ({@code /v1/monitor}, JSON lines) and hands each datapath
 * record to a consumer. The agent filters by event type, endpoint and identity, and while a
 * session asks for traces it turns tracing on. Control lines (hello, keepalive) are consumed here;
 * lost-event notices (this session fell behind, or the datapath's ring buffer was full) are passed
 * on as records of type "lost".
 */
public final class AgentMonitor implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final InputStream stream;
  private final Thread reader;
  private final CountDownLatch live = new CountDownLatch(1);

  private AgentMonitor(InputStream stream, Consumer<JsonNode> consumer) {
    this.stream = stream;
    this.reader = Thread.ofPlatform().daemon().name("monitor-reader").start(() -> read(consumer));
  }

  /** Connects to the agent at {@code agentUrl}; {@code types} filters (e.g. "drop"), empty for all. */
  public static AgentMonitor open(String agentUrl, String types, Consumer<JsonNode> consumer) {
    return open(agentUrl, types, null, 0, consumer);
  }

  /**
   * Connects to the agent at {@code agentUrl} for the records of {@code types} (comma-separated
   * drop, verdict, trace; empty for all), of one {@code endpoint} (null for all) and one
   * {@code identity} on either side (0 for any).
   */
  public static AgentMonitor open(String agentUrl, String types, String endpoint, int identity, Consumer<JsonNode> consumer) {
    StringBuilder q = new StringBuilder();
    if (types != null && !types.isEmpty()) {
      q.append("&type=").append(URLEncoder.encode(types, StandardCharsets.UTF_8));
    }
    if (endpoint != null && !endpoint.isEmpty()) {
      q.append("&endpoint=").append(URLEncoder.encode(endpoint, StandardCharsets.UTF_8));
    }
    if (identity != 0) {
      q.append("&identity=").append(identity);
    }
    String query = q.isEmpty() ? "" : "?" + q.substring(1);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(agentUrl + "/v1/monitor" + query)).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        String body;
        try (InputStream in = r.body()) {
          body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String message = body;
        try {
          message = JSON.readTree(body).path("message").asText(body);
        } catch (IOException e) {
          // Not JSON: show it as it is.
        }
        throw new CliException("the agent at " + agentUrl + " refused the monitor session (HTTP " + r.statusCode() + "): " + message);
      }
      return new AgentMonitor(r.body(), consumer);
    } catch (ConnectException e) {
      throw new CliException("cannot reach the node agent at " + agentUrl + " (is `./nodus up` or `nodus agent` running here?)");
    } catch (IOException e) {
      throw new CliException("monitor connection to " + agentUrl + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  /** Waits until the agent confirmed the stream (its first line). */
  public boolean awaitLive(Duration timeout) throws InterruptedException {
    return live.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Blocks until the stream ends. */
  public void join() throws InterruptedException {
    reader.join();
  }

  private void read(Consumer<JsonNode> consumer) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode n = JSON.readTree(line);
        String type = n.path("type").asText();
        if (type.equals("hello")) {
          live.countDown();
        } else if (!type.equals("keepalive")) {
          consumer.accept(n);
        }
      }
    } catch (IOException e) {
      // Closed by us or by the agent: the stream is over.
    }
  }

  /** Converts a record line back to the agent's record type (for formatting). */
  public static MonitorRecord record(JsonNode n) {
    try {
      return JSON.treeToValue(n, MonitorRecord.class);
    } catch (IOException e) {
      throw new CliException("unreadable monitor record: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    try {
      stream.close();
    } catch (IOException e) {
      // Nothing to do: the reader ends either way.
    }
    reader.interrupt();
  }
}
