package io.nodus.agent.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's local HTTP API (loopback by default):
 *
 * <ul>
 *   <li>{@code /metrics}: Prometheus text, datapath counters read fresh for each scrape;</li>
 *   <li>{@code /healthz}: status, node and applied revision;</li>
 *   <li>{@code /v1/endpoints}: datapath status of every local endpoint (entries, capacity, errors);</li>
 *   <li>{@code /v1/sync?revision=R[&timeoutMs=T]}: waits until the maps reflect revision R and says
 *       when their writes were done (epoch microseconds), 504 on timeout;</li>
 *   <li>{@code /v1/monitor[?type=drop,verdict,trace][&endpoint=NAME][&identity=N]}: datapath events
 *       as JSON lines, filtered; asking for traces turns tracing on (for that endpoint, or for
 *       all) while the stream lasts.</li>
 * </ul>
 * Each request runs on its own thread; a monitor stream lasts until the client goes away.
 */
public final class AgentHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentHttpServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;

  public AgentHttpServer(InetSocketAddress bind, PrometheusMeterRegistry registry, MonitorHub hub, AgentView view) throws IOException {
    server = HttpServer.create(bind, 64);
    executor = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("agent-http-", 0).factory());
    server.setExecutor(executor);
    server.createContext("/metrics", ex -> {
      view.beforeScrape();
      respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    });
    server.createContext("/healthz", ex -> respond(ex, 200, "application/json", JSON.writeValueAsString(view.health())));
    server.createContext("/v1/endpoints", ex -> respond(ex, 200, "application/json", JSON.writeValueAsString(view.endpoints())));
    server.createContext("/v1/sync", ex -> sync(ex, view));
    server.createContext("/v1/monitor", ex -> monitor(ex, hub, view));
    server.start();
    LOG.info("agent api listening address={}", address());
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void error(HttpExchange ex, int status, String code, String field, String message) throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("code", code);
    body.put("message", message);
    body.put("field", field);
    respond(ex, status, "application/json", JSON.writeValueAsString(body));
  }

  private static void sync(HttpExchange ex, AgentView view) throws IOException {
    Map<String, String> q = query(ex.getRequestURI());
    long revision;
    long timeoutMs;
    try {
      revision = Long.parseLong(q.getOrDefault("revision", ""));
      timeoutMs = Long.parseLong(q.getOrDefault("timeoutMs", "30000"));
    } catch (NumberFormatException e) {
      error(ex, 400, "invalid_argument", q.containsKey("revision") ? "timeoutMs" : "revision", "revision and timeoutMs must be numbers");
      return;
    }
    try {
      Optional<Instant> at = view.awaitRevision(revision, Duration.ofMillis(Math.max(0, timeoutMs)));
      if (at.isEmpty()) {
        error(ex, 504, "timeout", "revision", "the maps do not reflect revision " + revision + " yet");
        return;
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("revision", revision);
      body.put("writtenAtMicros", ChronoUnit.MICROS.between(Instant.EPOCH, at.get()));
      respond(ex, 200, "application/json", JSON.writeValueAsString(body));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error(ex, 503, "unavailable", "revision", "the agent is stopping");
    }
  }

  /** Streams records as JSON lines through the session's filter. */
  private static void monitor(HttpExchange ex, MonitorHub hub, AgentView view) throws IOException {
    MonitorFilter filter;
    try {
      filter = filter(query(ex.getRequestURI()));
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage();
      error(ex, 400, "invalid_argument", msg.substring(0, Math.max(0, msg.indexOf(':'))), msg);
      return;
    }
    ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
    ex.sendResponseHeaders(200, 0);
    AutoCloseable tracing = filter.wantsTraces() ? view.requestTrace(filter.endpoint()) : null;
    try (OutputStream out = ex.getResponseBody(); MonitorHub.Subscription sub = hub.subscribe(filter)) {
      long datapathLost = view.datapathEventsLost();
      // A first line tells the client the stream is live, so it can report readiness.
      write(out, Map.of("type", "hello"));
      while (true) {
        Object r = sub.poll(1000);
        long lost = sub.takeLost();
        if (lost > 0) {
          write(out, Map.of("type", "lost", "source", "monitor", "count", lost));
        }
        if (r == null) {
          long nowLost = view.datapathEventsLost();
          if (nowLost > datapathLost) {
            write(out, Map.of("type", "lost", "source", "datapath", "count", nowLost - datapathLost));
            datapathLost = nowLost;
          }
          write(out, Map.of("type", "keepalive"));
        } else {
          write(out, r);
        }
      }
    } catch (IOException e) {
      // The client went away: the normal end of a monitor session.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (tracing != null) {
        try {
          tracing.close();
        } catch (Exception e) {
          LOG.warn("could not end a trace request error={}", e.toString());
        }
      }
    }
  }

  static MonitorFilter filter(Map<String, String> q) {
    String t = q.getOrDefault("type", "");
    Set<String> types = t.isEmpty() ? Set.of() : Arrays.stream(t.split(",")).map(String::strip).collect(Collectors.toSet());
    String endpoint = q.getOrDefault("endpoint", "");
    int identity;
    try {
      identity = Integer.parseInt(q.getOrDefault("identity", "0"));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("identity: not a number: " + q.get("identity"));
    }
    return new MonitorFilter(types, endpoint.isEmpty() ? null : endpoint, identity);
  }

  private static void write(OutputStream out, Object value) throws IOException {
    out.write(JSON.writeValueAsBytes(value));
    out.write('\n');
    out.flush();
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> params = new LinkedHashMap<>();
    String q = uri.getRawQuery();
    if (q == null) {
      return params;
    }
    for (String kv : q.split("&")) {
      String[] p = kv.split("=", 2);
      params.put(p[0], p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
    }
    return params;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
