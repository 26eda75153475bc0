package io.nodus.agent.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.agent.datapath.EndpointStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent's local API answers every error in the REST API's JSON shape with a stable code,
 * naming the parameter at fault, including the requests Jetty refuses before any route runs; and
 * a monitor stream delivers lines as they come and ends when its client or the agent goes.
 */
class AgentHttpServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  /** Trace requests of monitor sessions that have not ended yet. */
  private static final AtomicInteger OPEN_TRACES = new AtomicInteger();
  /** Syncs waiting for a revision that does not come. */
  private static final AtomicInteger WAITING_SYNCS = new AtomicInteger();

  /** An agent at revision 5 with no endpoints, whose scrapes fail. */
  private static final AgentView VIEW = new AgentView() {
    @Override
    public Map<String, Object> health() {
      return Map.of("status", "ok");
    }

    @Override
    public Map<String, Object> status() {
      return Map.of("status", "degraded", "controlPlane", Map.of("state", "stale"));
    }

    @Override
    public Collection<EndpointStatus> endpoints() {
      return List.of();
    }

    @Override
    public Optional<Instant> awaitRevision(long revision, Duration timeout) throws InterruptedException {
      if (revision <= 5) {
        return Optional.of(Instant.EPOCH);
      }
      // Revision 6 never comes: wait out the timeout as the agent would (an interrupt ends it).
      WAITING_SYNCS.incrementAndGet();
      try {
        new CountDownLatch(1).await(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } finally {
        WAITING_SYNCS.decrementAndGet();
      }
      return Optional.empty();
    }

    @Override
    public long datapathEventsLost() {
      return 0;
    }

    @Override
    public void beforeScrape() {
      throw new IllegalStateException("scrape failed");
    }

    @Override
    public AutoCloseable requestTrace(String endpoint) {
      OPEN_TRACES.incrementAndGet();
      return OPEN_TRACES::decrementAndGet;
    }
  };

  private static AgentHttpServer server;

  @BeforeAll
  static void start() throws IOException {
    server = newServer(AgentHttpServer.IDLE_TIMEOUT);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static AgentHttpServer newServer(Duration idleTimeout) throws IOException {
    return new AgentHttpServer(new InetSocketAddress("127.0.0.1", 0), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        new MonitorHub(() -> IdentityDirectory.ofForTest(Map.of(), Map.of()), Clock.systemUTC()), VIEW, idleTimeout);
  }

  /** A whole answer: status line, header block (lower case) and body. */
  private record Answer(String status, String headers, String body) {}

  /** Sends {@code request} as raw bytes (java.net.http refuses many of these) and reads until the server closes. */
  private static Answer send(AgentHttpServer to, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", to.address().getPort())) {
      s.setSoTimeout((int) DEADLINE.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int split = answer.indexOf("\r\n\r\n");
      assertThat(split).as("no complete answer to " + request.lines().findFirst().orElse("") + ": " + answer).isPositive();
      return new Answer(answer.substring(0, answer.indexOf("\r\n")), answer.substring(0, split).toLowerCase(Locale.ROOT),
          answer.substring(split + 4));
    }
  }

  private static Answer get(String method, String target) throws IOException {
    return send(server, method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  }

  private static JsonNode error(Answer a, int status) throws IOException {
    assertThat(a.status()).as(a.body()).contains(" " + status + " ");
    assertThat(a.headers()).as(a.body()).contains("content-type: application/json");
    JsonNode e = JSON.readTree(a.body());
    assertThat(e.path("code").asText()).as(a.body()).isNotEmpty();
    assertThat(e.path("message").asText()).as(a.body()).isNotEmpty();
    return e;
  }

  private static JsonNode error(String method, String target, int status) throws IOException {
    return error(get(method, target), status);
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  @Test
  void answersUnknownPathsWithAJsonNotFound() throws IOException {
    for (String path : new String[] {"/", "/nothing", "/v1/endpointsX", "/metrics/extra", "/v1/sync/1", "/favicon.ico"}) {
      assertThat(error("GET", path, 404).path("code").asText()).as(path).isEqualTo("not_found");
    }
  }

  @Test
  void answersOtherMethodsWithAJsonMethodNotAllowed() throws IOException {
    for (String method : new String[] {"POST", "DELETE", "PUT", "BREW"}) {
      Answer a = get(method, "/v1/endpoints");
      assertThat(error(a, 405).path("code").asText()).isEqualTo("method_not_allowed");
      assertThat(a.headers()).contains("allow: get");
    }
  }

  @Test
  void namesTheBadQueryParameter() throws IOException {
    assertThat(error("GET", "/v1/sync", 400).path("field").asText()).isEqualTo("revision");
    assertThat(error("GET", "/v1/sync?revision=abc", 400).path("field").asText()).isEqualTo("revision");
    assertThat(error("GET", "/v1/sync?revision=99999999999999999999", 400).path("field").asText()).isEqualTo("revision");
    assertThat(error("GET", "/v1/sync?revision=-1", 400).path("field").asText()).isEqualTo("revision");
    assertThat(error("GET", "/v1/sync?revision=1&timeoutMs=soon", 400).path("field").asText()).isEqualTo("timeoutMs");
    assertThat(error("GET", "/v1/sync?revision=%2Fx", 400).path("field").asText()).isEqualTo("revision");
    assertThat(error("GET", "/v1/monitor?identity=x", 400).path("field").asText()).isEqualTo("identity");
    assertThat(error("GET", "/v1/monitor?type=bogus", 400).path("field").asText()).isEqualTo("type");
    assertThat(error("GET", "/v1/monitor?identity=-3", 400).path("field").asText()).isEqualTo("identity");
  }

  @Test
  void namesTheParameterWithABadEscapeOrAnEncodedNul() throws IOException {
    JsonNode badEscape = error("GET", "/v1/sync?revision=%zz", 400);
    assertThat(badEscape.path("code").asText()).isEqualTo("invalid_argument");
    assertThat(badEscape.path("field").asText()).isEqualTo("revision");
    JsonNode nul = error("GET", "/v1/sync?revision=%00", 400);
    assertThat(nul.path("code").asText()).isEqualTo("invalid_argument");
    assertThat(nul.path("field").asText()).isEqualTo("revision");
    assertThat(error("GET", "/v1/monitor?identity=%zz", 400).path("field").asText()).isEqualTo("identity");
  }

  @Test
  void refusesAPathItCannotDecodeAsAJsonBadRequest() throws IOException {
    for (String path : new String[] {"/v1/sync%zz", "/healthz%00", "/v1%2Fstatus", "/%FF", "/v1/../../etc/passwd"}) {
      assertThat(error("GET", path, 400).path("code").asText()).as(path).isEqualTo("bad_request");
    }
  }

  @Test
  void refusesAMalformedRequestLineAsJson() throws IOException {
    // Jetty reads a line without a version as HTTP/0.9, which it does not speak: a 505.
    Map<String, Integer> lines = Map.of(
        "GARBAGE", 400,
        "GET /healthz HTTP/1.1 extra", 400,
        "\u0001\u0002 / HTTP/1.1", 400,
        "GET /healthz HTTP/9.9", 505,
        "GET /healthz", 505,
        "GET  HTTP/1.1", 505);
    for (Map.Entry<String, Integer> line : lines.entrySet()) {
      JsonNode e = error(send(server, line.getKey() + "\r\nHost: x\r\nConnection: close\r\n\r\n"), line.getValue());
      assertThat(e.path("code").asText()).as(line.getKey()).isEqualTo(ApiError.code(line.getValue()));
      assertThat(e.path("message").asText()).as(line.getKey()).doesNotContain("internal");
    }
  }

  @Test
  void refusesAUriOverTheLimitAsJson() throws IOException {
    assertThat(error("GET", "/v1/sync?revision=" + "1".repeat(10 * 1024), 414).path("code").asText()).isEqualTo("uri_too_long");
    assertThat(error("GET", "/" + "a".repeat(10 * 1024), 414).path("code").asText()).isEqualTo("uri_too_long");
  }

  @Test
  void refusesHeadersOverTheLimitAsJson() throws IOException {
    Answer a = send(server, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(20 * 1024) + "\r\nConnection: close\r\n\r\n");
    assertThat(error(a, 431).path("code").asText()).isEqualTo("headers_too_large");
  }

  @Test
  void refusesHttp11WithoutHostButServesHttp10WithoutIt() throws IOException {
    Answer noHost = send(server, "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
    assertThat(error(noHost, 400).path("code").asText()).isEqualTo("bad_request");

    Answer http10 = send(server, "GET /healthz HTTP/1.0\r\n\r\n");
    assertThat(http10.status()).contains(" 200 ");
    assertThat(JSON.readTree(http10.body()).path("status").asText()).isEqualTo("ok");
    Answer http10Missing = send(server, "GET /nothing HTTP/1.0\r\n\r\n");
    assertThat(error(http10Missing, 404).path("code").asText()).isEqualTo("not_found");
  }

  @Test
  void answersAFailureAsAJsonInternalError() throws IOException {
    JsonNode e = error("GET", "/metrics", 500);
    assertThat(e.path("code").asText()).isEqualTo("internal");
    assertThat(e.path("message").asText()).doesNotContain("scrape failed");
  }

  @Test
  void stillServesTheRoutes() throws IOException {
    Answer health = get("GET", "/healthz");
    assertThat(health.headers()).contains("content-type: application/json");
    assertThat(health.body()).contains("ok");
    assertThat(JSON.readTree(get("GET", "/v1/status").body()).path("controlPlane").path("state").asText()).isEqualTo("stale");
    assertThat(JSON.readTree(get("GET", "/v1/endpoints").body()).isArray()).isTrue();
    Answer sync = get("GET", "/v1/sync?revision=5&timeoutMs=10");
    assertThat(sync.status()).contains(" 200 ");
    assertThat(JSON.readTree(sync.body()).path("revision").asLong()).isEqualTo(5);
    assertThat(error("GET", "/v1/sync?revision=6&timeoutMs=10", 504).path("code").asText()).isEqualTo("timeout");
  }

  @Test
  void letsASyncWaitLongerThanTheIdleTimeout() throws IOException {
    // The caller's timeoutMs bounds the wait, not the connection's idle timeout.
    try (AgentHttpServer impatient = newServer(Duration.ofMillis(200))) {
      Answer a = send(impatient, "GET /v1/sync?revision=6&timeoutMs=1000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(error(a, 504).path("code").asText()).isEqualTo("timeout");
    }
  }

  /** An open monitor session read as raw bytes: the answer's head, then its chunks as they come. */
  private static final class RawStream implements AutoCloseable {
    final Socket socket;
    final InputStream in;
    final ByteArrayOutputStream seen = new ByteArrayOutputStream();

    RawStream(AgentHttpServer to, String target) throws IOException {
      socket = new Socket("127.0.0.1", to.address().getPort());
      socket.setSoTimeout((int) DEADLINE.toMillis());
      socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      in = socket.getInputStream();
    }

    /** Reads until {@code text} has arrived (or the deadline passes, failing the read). */
    String readUntil(String text) throws IOException {
      while (!seen.toString(StandardCharsets.UTF_8).contains(text)) {
        int b = in.read();
        assertThat(b).as("stream ended before '" + text + "': " + seen.toString(StandardCharsets.UTF_8)).isNotNegative();
        seen.write(b);
      }
      return seen.toString(StandardCharsets.UTF_8);
    }

    /** Everything up to the server's end of the connection. */
    String readToEnd() throws IOException {
      seen.write(in.readAllBytes());
      return seen.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  @Test
  void streamsMonitorLinesBeforeTheAnswerEndsAndStopsWhenTheClientGoes() throws IOException {
    try (RawStream monitor = new RawStream(server, "/v1/monitor?type=trace")) {
      String head = monitor.readUntil("{\"type\":\"hello\"}\n");
      assertThat(head).startsWith("HTTP/1.1 200 ");
      assertThat(head.toLowerCase(Locale.ROOT)).contains("content-type: application/x-ndjson").contains("transfer-encoding: chunked");
      assertThat(OPEN_TRACES.get()).isEqualTo(1);
      // The next line comes on its own, a second later: the stream is flushed line by line.
      monitor.readUntil("{\"type\":\"keepalive\"}\n");
      assertThat(monitor.seen.toString(StandardCharsets.UTF_8)).doesNotContain("\r\n0\r\n\r\n");
    }
    await("the session ends once its client is gone", () -> OPEN_TRACES.get() == 0);
  }

  @Test
  void endsOpenMonitorStreamsAndSyncsCleanlyWhenTheAgentStops() throws Exception {
    AgentHttpServer stopping = newServer(AgentHttpServer.IDLE_TIMEOUT);
    try (RawStream monitor = new RawStream(stopping, "/v1/monitor");
        RawStream sync = new RawStream(stopping, "/v1/sync?revision=6&timeoutMs=60000")) {
      monitor.readUntil("{\"type\":\"hello\"}\n");
      await("the sync waits", () -> WAITING_SYNCS.get() == 1);
      long started = System.nanoTime();
      stopping.close();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      // The last chunk: the client reads a complete answer, not a cut connection.
      assertThat(monitor.readToEnd()).endsWith("\r\n0\r\n\r\n");
      String syncAnswer = sync.readToEnd();
      assertThat(syncAnswer).startsWith("HTTP/1.1 503 ").contains("\"code\":\"unavailable\"");
    }
  }
}
