package io.nodus.agent.monitor;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
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
 * GET only, exact paths. Every error, whoever answers it, is an {@link ApiError}
 * ({@code {"code","message","field"}}, the REST API's shape). The routes answer their own: 404
 * for a path none serves, 405 with Allow for another method, 400 naming the query parameter, 504
 * and 503 from a sync, 500 for a failure. Jetty answers, through {@link JsonErrorHandler}, what
 * never reaches a route: a request line or path it cannot parse or finds ambiguous (an invalid
 * percent escape, an encoded NUL or slash), a request line or headers over 8 KiB (414, 431),
 * HTTP/1.1 without Host.
 *
 * <p>Threading: one selector thread accepts connections and reads requests; each route runs on a
 * thread of a pool of at most {@value #MAX_THREADS}, which it keeps until it has answered. A monitor stream
 * keeps its thread while the client stays (it writes at least once a second, so a client that
 * went away is noticed within that), a sync for up to its timeout; beyond that many at once,
 * requests wait for a thread. Routes share no mutable state but {@link #waiting}; the
 * {@link AgentView} and the {@link MonitorHub} are thread-safe. {@link #close}, from any thread:
 * new requests get a 503, the waiting threads are interrupted so that each answer ends (a sync
 * says the agent is stopping, a monitor stream ends with its last chunk), and after at most
 * {@link #STOP_GRACE} every connection is closed.
 */
public final class AgentHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AgentHttpServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Request handling threads; each monitor stream and each waiting sync holds one. */
  private static final int MAX_THREADS = 128;
  /** Request line and headers together; the request line alone over it is a 414, the headers a 431. */
  private static final int MAX_REQUEST_HEAD = 8 * 1024;
  /** How long {@link #close} lets open answers end before it closes their connections. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(2);
  /**
   * Closes a connection with nothing to read or write for this long. A request being handled is
   * not cut: Jetty then only fails pending reads and writes, so a sync may wait longer.
   */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

  private final Server server;
  private final ServerConnector connector;
  private final GracefulHandler graceful;
  private final InetSocketAddress bind;
  private final Map<String, Route> routes = new LinkedHashMap<>();
  /** Threads blocked in a sync's wait or a monitor stream, which {@link #close} interrupts. */
  private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();

  public AgentHttpServer(InetSocketAddress bind, PrometheusMeterRegistry registry, MonitorHub hub, AgentView view) throws IOException {
    this(bind, registry, hub, view, IDLE_TIMEOUT);
  }

  AgentHttpServer(InetSocketAddress bind, PrometheusMeterRegistry registry, MonitorHub hub, AgentView view, Duration idleTimeout)
      throws IOException {
    this.bind = bind;
    routes.put("/healthz", (req, res, cb) -> respond(res, cb, 200, ApiError.JSON_TYPE, JSON.writeValueAsBytes(view.health())));
    routes.put("/metrics", (req, res, cb) -> {
      view.beforeScrape();
      respond(res, cb, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape().getBytes(StandardCharsets.UTF_8));
    });
    routes.put("/v1/status", (req, res, cb) -> respond(res, cb, 200, ApiError.JSON_TYPE, JSON.writeValueAsBytes(view.status())));
    routes.put("/v1/endpoints", (req, res, cb) -> respond(res, cb, 200, ApiError.JSON_TYPE, JSON.writeValueAsBytes(view.endpoints())));
    routes.put("/v1/sync", (req, res, cb) -> sync(req, res, cb, view));
    routes.put("/v1/monitor", (req, res, cb) -> monitor(req, res, cb, hub, view));

    QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
    threads.setName("agent-http");
    threads.setDaemon(true);
    // No idle threads reserved for bursts: a handful of local clients use this API at a time.
    threads.setReservedThreads(0);
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_REQUEST_HEAD);
    http.setSendServerVersion(false);
    // No acceptor thread: the one selector accepts connections as well.
    connector = new ServerConnector(server, 0, 1, new HttpConnectionFactory(http));
    connector.setHost(bind.getHostString());
    connector.setPort(bind.getPort());
    connector.setIdleTimeout(idleTimeout.toMillis());
    connector.setAcceptQueueSize(64);
    server.addConnector(connector);
    graceful = new GracefulHandler(new Routes());
    server.setHandler(graceful);
    server.setErrorHandler(new JsonErrorHandler());
    try {
      server.start();
    } catch (Exception e) {
      stopJetty();
      throw e instanceof IOException io ? io : new IOException("agent api could not start on " + bind, e);
    }
    LOG.info("agent api listening address={}", address());
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(bind.getAddress(), connector.getLocalPort());
  }

  /** One route's answer; it completes {@code callback} once it has answered, unless it throws first. */
  @FunctionalInterface
  private interface Route {
    void serve(Request request, Response response, Callback callback) throws Exception;
  }

  /** Picks the route by exact path and method; a route's query mistake is a 400, anything else a 500. */
  private final class Routes extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = Request.getPathInContext(request);
      Route route = routes.get(path);
      try {
        if (route == null) {
          error(response, callback, 404, new ApiError("not_found", "no such path; the agent serves " + String.join(", ", routes.keySet()), null));
        } else if (!HttpMethod.GET.is(request.getMethod())) {
          response.getHeaders().put(HttpHeader.ALLOW, "GET");
          error(response, callback, 405,
              new ApiError("method_not_allowed", request.getMethod() + " is not allowed on " + path + "; use GET", null));
        } else {
          route.serve(request, response, callback);
        }
      } catch (BadQuery e) {
        error(response, callback, 400, new ApiError("invalid_argument", e.getMessage(), e.field));
      } catch (Exception e) {
        LOG.error("agent api error path={}", path, e);
        if (response.isCommitted()) {
          callback.failed(e);
        } else {
          error(response, callback, 500, ApiError.ofStatus(500, null));
        }
      }
      return true;
    }
  }

  private static void respond(Response response, Callback callback, int status, String type, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private static void error(Response response, Callback callback, int status, ApiError error) {
    respond(response, callback, status, ApiError.JSON_TYPE, error.toJson());
  }

  private void sync(Request request, Response response, Callback callback, AgentView view) throws IOException {
    Map<String, String> q = query(request);
    long revision = number(q, "revision", null);
    long timeoutMs = number(q, "timeoutMs", 30_000L);
    Optional<Instant> at;
    Thread self = Thread.currentThread();
    waiting.add(self);
    try {
      at = view.awaitRevision(revision, Duration.ofMillis(Math.max(0, timeoutMs)));
    } catch (InterruptedException e) {
      // Only close() interrupts a request thread; the flag is consumed by this answer.
      error(response, callback, 503, new ApiError("unavailable", "the agent is stopping", "revision"));
      return;
    } finally {
      waiting.remove(self);
    }
    if (at.isEmpty()) {
      error(response, callback, 504, new ApiError("timeout", "the maps do not reflect revision " + revision + " yet", "revision"));
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("revision", revision);
    body.put("writtenAtMicros", ChronoUnit.MICROS.between(Instant.EPOCH, at.get()));
    respond(response, callback, 200, ApiError.JSON_TYPE, JSON.writeValueAsBytes(body));
  }

  /**
   * Streams records as JSON lines through the session's filter, one chunk per line, until the
   * client goes away (a write fails) or {@link #close} interrupts it (the stream then ends with
   * its last chunk, so the client reads a clean end).
   */
  private void monitor(Request request, Response response, Callback callback, MonitorHub hub, AgentView view) {
    MonitorFilter filter;
    try {
      filter = filter(query(request));
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage();
      throw new BadQuery(msg.substring(0, Math.max(0, msg.indexOf(':'))), msg);
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-ndjson");
    AutoCloseable tracing = filter.wantsTraces() ? view.requestTrace(filter.endpoint()) : null;
    Thread self = Thread.currentThread();
    waiting.add(self);
    Throwable failure = null;
    try (MonitorHub.Subscription sub = hub.subscribe(filter); OutputStream out = Content.Sink.asOutputStream(response)) {
      stream(out, sub, view);
    } catch (IOException e) {
      // The client went away: the normal end of a monitor session.
      failure = e;
    } catch (RuntimeException e) {
      LOG.error("monitor stream failed filter={}", filter, e);
      failure = e;
    } finally {
      waiting.remove(self);
      if (tracing != null) {
        try {
          tracing.close();
        } catch (Exception e) {
          LOG.warn("could not end a trace request error={}", e.toString());
        }
      }
    }
    if (failure == null) {
      callback.succeeded();
    } else {
      callback.failed(failure);
    }
  }

  /** Writes the session's lines until interrupted; an IOException means the client is gone. */
  private static void stream(OutputStream out, MonitorHub.Subscription sub, AgentView view) throws IOException {
    long datapathLost = view.datapathEventsLost();
    // A first line tells the client the stream is live, so it can report readiness.
    write(out, Map.of("type", "hello"));
    try {
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
    } catch (InterruptedException e) {
      // close() asks the stream to end. The flag stays cleared: the last chunk is still to be
      // written, with a blocking write that an interrupted thread could not make.
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

  /** One line, in one write, so the client never sees half of it in a chunk. */
  private static void write(OutputStream out, Object value) throws IOException {
    byte[] json = JSON.writeValueAsBytes(value);
    byte[] line = Arrays.copyOf(json, json.length + 1);
    line[json.length] = '\n';
    out.write(line);
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

  /**
   * The query parameters, decoded here rather than by Jetty so that a bad escape is a 400 that
   * names its parameter.
   */
  private static Map<String, String> query(Request request) {
    Map<String, String> params = new LinkedHashMap<>();
    String q = request.getHttpURI().getQuery();
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
    // New requests now get a 503; the future completes when every open answer has ended.
    var drained = graceful.shutdown();
    waiting.forEach(Thread::interrupt);
    try {
      drained.get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.warn("agent api stopping with answers still open count={}", graceful.getCurrentRequestCount());
    } catch (ExecutionException e) {
      LOG.warn("agent api graceful stop failed error={}", e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopJetty();
  }

  private void stopJetty() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("agent api did not stop cleanly error={}", e.toString());
    }
  }
}
