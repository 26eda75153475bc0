package io.nodus.agent.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.agent.datapath.EndpointStatus;
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
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The agent's local API answers every error in the REST API's JSON shape, naming the parameter at fault. */
class AgentHttpServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An agent at revision 5 with no endpoints. */
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
    public Optional<Instant> awaitRevision(long revision, Duration timeout) {
      return revision <= 5 ? Optional.of(Instant.EPOCH) : Optional.empty();
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
      return () -> { };
    }
  };

  private static AgentHttpServer server;

  @BeforeAll
  static void start() throws IOException {
    server = new AgentHttpServer(new InetSocketAddress("127.0.0.1", 0), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        new MonitorHub(() -> IdentityDirectory.ofForTest(Map.of(), Map.of()), Clock.systemUTC()), VIEW);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** Status line and body of one request sent as raw bytes (java.net.http refuses some of these targets). */
  private static String[] get(String method, String target) throws IOException {
    try (Socket s = new Socket("127.0.0.1", server.address().getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write((method + " " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int split = answer.indexOf("\r\n\r\n");
      return new String[] {answer.substring(0, answer.indexOf("\r\n")), answer.substring(split + 4), answer.substring(0, split)};
    }
  }

  private static JsonNode error(String method, String target, int status) throws IOException {
    String[] a = get(method, target);
    assertThat(a[0]).as(target + ": " + a[1]).contains(" " + status + " ");
    assertThat(a[2].toLowerCase()).contains("content-type: application/json");
    JsonNode e = JSON.readTree(a[1]);
    assertThat(e.path("code").asText()).isNotEmpty();
    assertThat(e.path("message").asText()).isNotEmpty();
    return e;
  }

  @Test
  void answersUnknownPathsWithAJsonNotFound() throws IOException {
    for (String path : new String[] {"/", "/nothing", "/v1/endpointsX", "/metrics/extra", "/v1/sync/1", "/healthz%00"}) {
      assertThat(error("GET", path, 404).path("code").asText()).as(path).isEqualTo("not_found");
    }
  }

  @Test
  void answersOtherMethodsWithAJsonMethodNotAllowed() throws IOException {
    for (String method : new String[] {"POST", "DELETE", "PUT", "BREW"}) {
      assertThat(error(method, "/v1/endpoints", 405).path("code").asText()).isEqualTo("method_not_allowed");
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
  void answersAFailureAsAJsonInternalError() throws IOException {
    assertThat(error("GET", "/metrics", 500).path("code").asText()).isEqualTo("internal");
  }

  @Test
  void stillServesTheRoutes() throws IOException {
    assertThat(get("GET", "/healthz")[1]).contains("ok");
    assertThat(JSON.readTree(get("GET", "/v1/status")[1]).path("controlPlane").path("state").asText()).isEqualTo("stale");
    assertThat(get("GET", "/v1/sync?revision=5&timeoutMs=10")[0]).contains(" 200 ");
    assertThat(error("GET", "/v1/sync?revision=6&timeoutMs=10", 504).path("code").asText()).isEqualTo("timeout");
  }
}
