package io.nodus.agent.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
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
import java.util.List;
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
 *   <li>{@code /healthz}: status (ok, starting, or degraded with the reason: the control plane is
 *       stale or unavailable, the maps stay as they are), node and applied revision;</li>
 *   <li>{@code /v1/status}: the same, with the log position the maps reflect (cluster, revision,
 *       when) and the control plane as the watch found it;</li>
 *   <li>{@code /v1/endpoints}: datapath status of every local endpoint (entries, capacity, errors);</li>
 *   <li>{@code /v1/sync?revision=R[&timeoutMs=T]}: waits until the maps reflect revision R and says
 *       when their writes were done (epoch microseconds), 504 on timeout;</li>
 *   <li>{@code /v1/monitor[?type=drop,verdict,trace][&endpoint=NAME][&identity=N]}: datapath events
 *       as JSON lines, filtered; asking for traces turns tracing on (for that endpoint, or for
 *       all) while the stream lasts.</li>
 * </ul>
 * Each request runs on its own thread; a monitor stream lasts until the client goes away. Every
 * error (unknown path, a method other than GET, a bad query parameter, a failure) is the REST
 * API's JSON shape {@code {"code","message","field"}}. One exception: a request line the JDK's
 * server cannot parse (an invalid percent escape such as {@code %zz}) is refused by that server
 * before any handler runs, with its own short HTML 400.
 */
public final class AgentHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentHttpServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ROUTES = List.of("/healthz", "/metrics", "/v1/status", "/v1/endpoints", "/v1/sync", "/v1/monitor");

  private final HttpServer server;
  private final ExecutorService executor;

  public AgentHttpServer(InetSocketAddress bind, PrometheusMeterRegistry registry, MonitorHub hub, AgentView view) throws IOException {
    server = HttpServer.create(bind, 64);
    executor = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("agent-http-", 0).factory());
    server.setExecutor(executor);
    route("/metrics", ex -> {
      view.beforeScrape();
      respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    });
    route("/healthz", ex -> respond(ex, 200, "application/json", JSON.writeValueAsString(view.health())));
    route("/v1/status", ex -> respond(ex, 200, "application/json", JSON.writeValueAsString(view.status())));
    route("/v1/endpoints", ex -> respond(ex, 200, "application/json", JSON.writeValueAsString(view.endpoints())));
    route("/v1/sync", ex -> sync(ex, view));
    route("/v1/monitor", ex -> monitor(ex, hub, view));
    // Contexts match by prefix; the root one catches every path no route serves.
    server.createContext("/", ex -> error(ex, 404, "not_found", null,
        "no such path; the agent serves " + String.join(", ", ROUTES)));
    server.start();
    LOG.info("agent api listening address={}", address());
  }

  /**
   * Serves {@code path} exactly (a context also matches longer paths), for GET only; a bad query
   * is a 400 and anything unexpected a 500, both as the JSON error shape of the REST API, never an
   * empty answer or the JDK server's HTML page.
   */
  private void route(String path, HttpHandler handler) {
    server.createContext(path, ex -> {
      try {
        if (!ex.getRequestURI().getPath().equals(path)) {
          error(ex, 404, "not_found", null, "no such path; the agent serves " + String.join(", ", ROUTES));
        } else if (!ex.getRequestMethod().equals("GET")) {
          ex.getResponseHeaders().set("Allow", "GET");
          error(ex, 405, "method_not_allowed", null, ex.getRequestMethod() + " is not allowed on " + path + "; use GET");
        } else {
          handler.handle(ex);
        }
      } catch (BadQuery e) {
        error(ex, 400, "invalid_argument", e.field, e.getMessage());
      } catch (RuntimeException e) {
        LOG.error("agent api error path={}", path, e);
        if (ex.getResponseCode() < 0) {
          error(ex, 500, "internal", null, "internal error; the agent log has the details");
        }
      } finally {
        // After the catch clauses, which may still answer (try-with-resources would close first).
        ex.close();
      }
    });
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
    if (field != null && !field.isEmpty()) {
      body.put("field", field);
    }
    respond(ex, status, "application/json", JSON.writeValueAsString(body));
  }

  private static void sync(HttpExchange ex, AgentView view) throws IOException {
    Map<String, String> q = query(ex.getRequestURI());
    long revision = number(q, "revision", null);
    long timeoutMs = number(q, "timeoutMs", 30_000L);
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
      throw new BadQuery(msg.substring(0, Math.max(0, msg.indexOf(':'))), msg);
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

  /** A non-negative whole number parameter; {@code fallback} when absent, required when that is null. */
  private static long number(Map<String, String> q, String name, Long fallback) {
    String v = q.get(name);
    if (v == null || v.isEmpty()) {
      if (fallback == null) {
        throw new BadQuery(name, name + " is required");
      }
      return fallback;
    }
    try {
      long n = Long.parseLong(v);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // Reported below, like a negative number.
    }
    throw new BadQuery(name, name + " must be a whole number from 0 to " + Long.MAX_VALUE + ", not '" + abbreviated(v) + "'");
  }

  private static String abbreviated(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> params = new LinkedHashMap<>();
    String q = uri.getRawQuery();
    if (q == null || q.isEmpty()) {
      return params;
    }
    for (String kv : q.split("&")) {
      String[] p = kv.split("=", 2);
      try {
        params.put(URLDecoder.decode(p[0], StandardCharsets.UTF_8), p.length > 1 ? URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
      } catch (IllegalArgumentException e) {
        throw new BadQuery(p[0], "malformed percent-encoding in the query parameter '" + abbreviated(kv) + "'");
      }
    }
    return params;
  }

  /** A query parameter the request got wrong: a 400 naming it. */
  private static final class BadQuery extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String field;

    BadQuery(String field, String message) {
      super(message, null, false, false);
      this.field = field;
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
