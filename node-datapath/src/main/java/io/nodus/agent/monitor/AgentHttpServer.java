package io.nodus.agent.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's local HTTP API (loopback by default): {@code /metrics} (Prometheus), {@code /healthz}
 * and {@code /v1/monitor}, a stream of datapath events as JSON lines that `nodus monitor` reads.
 * Each request runs on its own thread; a monitor stream lasts until the client goes away.
 */
public final class AgentHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentHttpServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;

  public AgentHttpServer(InetSocketAddress bind, PrometheusMeterRegistry registry, MonitorHub hub,
      Supplier<Map<String, Object>> health) throws IOException {
    server = HttpServer.create(bind, 16);
    executor = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("agent-http-", 0).factory());
    server.setExecutor(executor);
    server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.createContext("/healthz", ex -> respond(ex, 200, "application/json", JSON.writeValueAsString(health.get())));
    server.createContext("/v1/monitor", ex -> monitor(ex, hub));
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

  /** Streams records as JSON lines; {@code ?type=drop,verdict} filters by type. */
  private static void monitor(HttpExchange ex, MonitorHub hub) throws IOException {
    Set<String> types = queryTypes(ex.getRequestURI());
    ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
    ex.sendResponseHeaders(200, 0);
    try (OutputStream out = ex.getResponseBody(); MonitorHub.Subscription sub = hub.subscribe()) {
      // A first line tells the client the stream is live, so it can report readiness.
      write(out, Map.of("type", "hello"));
      while (true) {
        MonitorRecord r = sub.poll(1000);
        long lost = sub.takeLost();
        if (lost > 0) {
          write(out, Map.of("type", "lost", "count", lost));
        }
        if (r == null) {
          write(out, Map.of("type", "keepalive"));
        } else if (types.isEmpty() || types.contains(r.type())) {
          write(out, r);
        }
      }
    } catch (IOException e) {
      // The client went away: the normal end of a monitor session.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void write(OutputStream out, Object value) throws IOException {
    out.write(JSON.writeValueAsBytes(value));
    out.write('\n');
    out.flush();
  }

  private static Set<String> queryTypes(URI uri) {
    String q = uri.getRawQuery();
    if (q == null) {
      return Set.of();
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (String kv : q.split("&")) {
      String[] p = kv.split("=", 2);
      params.put(p[0], p.length > 1 ? java.net.URLDecoder.decode(p[1], StandardCharsets.UTF_8) : "");
    }
    String t = params.get("type");
    return t == null || t.isEmpty() ? Set.of() : Arrays.stream(t.split(",")).collect(Collectors.toSet());
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
