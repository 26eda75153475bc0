package io.nodus.ops.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The agent's local API as tests use it: its applied revision and its metrics. */
record AgentApi(String url) {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();

  private String get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  long revision() throws Exception {
    return JSON.readTree(get("/healthz")).path("revision").asLong();
  }

  /** Waits until the agent has written the maps of {@code revision}. */
  void awaitRevision(long revision) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (revision() >= revision) {
          return;
        }
      } catch (java.io.IOException e) {
        // The agent is (re)starting.
      }
      Thread.sleep(50);
    }
    throw new AssertionError("agent did not reach revision " + revision + " (at " + revision() + ")");
  }

  /** The agent's own status: the log position its maps reflect and the control plane ({@code /v1/status}). */
  com.fasterxml.jackson.databind.JsonNode status() throws Exception {
    return JSON.readTree(get("/v1/status"));
  }

  /** The agent's health document ({@code /healthz}). */
  com.fasterxml.jackson.databind.JsonNode health() throws Exception {
    return JSON.readTree(get("/healthz"));
  }

  /** The agent's datapath status of every local endpoint ({@code /v1/endpoints}). */
  com.fasterxml.jackson.databind.JsonNode endpoints() throws Exception {
    return JSON.readTree(get("/v1/endpoints"));
  }

  /** When the agent finished writing the maps of {@code revision} (epoch microseconds). */
  long writtenAtMicros(long revision) throws Exception {
    return JSON.readTree(get("/v1/sync?revision=" + revision + "&timeoutMs=30000")).path("writtenAtMicros").asLong();
  }

  /** The raw /metrics text. */
  String metrics() throws Exception {
    return get("/metrics");
  }

  /** The value of one Prometheus series, e.g. {@code nodus_agent_map_writes_total{map="policy"}}; fails when absent. */
  double metric(String series) throws Exception {
    String text = get("/metrics");
    for (String line : text.split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).strip());
      }
    }
    throw new AssertionError("no series " + series + " in the agent's metrics");
  }
}
