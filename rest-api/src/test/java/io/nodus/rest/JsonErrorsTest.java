package io.nodus.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whoever answers an error, Jersey or Jetty, the body is the JSON {@code ApiError} with a stable
 * code: bad URIs, limits, unknown paths and methods, media types, malformed headers.
 */
class JsonErrorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> NONE = Map.of();

  private static InMemoryControlPlane controlPlane;
  private static RestServer server;

  @BeforeAll
  static void start() throws Exception {
    controlPlane = new InMemoryControlPlane();
    server = RestServer.start(new RestConfig("127.0.0.1", 0, 64 * 1024), controlPlane, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static Arguments raw(String what, String method, String target, Map<String, String> headers, String body, int status,
      String code) {
    return Arguments.of(what, method, target, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8), status, code);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        raw("unknown path", "GET", "/v1/nothing", NONE, null, 404, "not_found"),
        raw("unknown root path", "GET", "/favicon.ico", NONE, null, 404, "not_found"),
        raw("wrong method", "PUT", "/v1/policies", Map.of("Content-Type", "application/json"), "{}", 405, "method_not_allowed"),
        raw("unknown method", "BREW", "/v1/policies", NONE, null, 405, "method_not_allowed"),
        raw("unsupported media type", "POST", "/v1/policies", Map.of("Content-Type", "image/png"), "x", 415, "unsupported_media_type"),
        raw("unparsable Content-Type", "POST", "/v1/endpoints", Map.of("Content-Type", "application/json; charset"), "{}", 400, "bad_request"),
        raw("garbage Content-Type", "POST", "/v1/policies", Map.of("Content-Type", "/;;=\"x"), "{}", 400, "bad_request"),
        raw("not acceptable", "GET", "/v1/nodes", Map.of("Accept", "image/png"), null, 406, "not_acceptable"),
        raw("unparsable Accept", "GET", "/v1/nodes", Map.of("Accept", "a/b/c;;;q=x"), null, 400, "bad_request"),
        raw("encoded NUL in the path", "GET", "/v1/nodes/a%00b", NONE, null, 400, "bad_request"),
        raw("encoded slash in the path", "GET", "/v1/nodes/a%2Fb", NONE, null, 400, "bad_request"),
        raw("invalid UTF-8 in the path", "GET", "/v1/nodes/%FF", NONE, null, 400, "bad_request"),
        raw("bad percent escape", "GET", "/v1/nodes/%zz", NONE, null, 400, "bad_request"),
        raw("dot segments", "GET", "/v1/../../etc/passwd", NONE, null, 400, "bad_request"),
        raw("URI too long", "GET", "/v1/nodes/" + "a".repeat(20_000), NONE, null, 414, "uri_too_long"),
        raw("headers too large", "GET", "/v1/nodes", Map.of("X-Big", "b".repeat(20_000)), null, 431, "headers_too_large"),
        raw("admin on the API port", "GET", "/admin/threads", NONE, null, 404, "not_found"),
        raw("log-level task on the API port", "POST", "/admin/tasks/log-level?logger=ROOT&level=OFF", NONE, "", 404, "not_found"),
        raw("DELETE of an unknown path", "DELETE", "/nothing", NONE, null, 404, "not_found"));
  }

  @org.junit.jupiter.api.Test
  void answersOptionsWithAllowAndNoBody() throws Exception {
    RawHttp.Answer a = RawHttp.send(server.port(), "OPTIONS", "/v1/endpoints", NONE, null);
    assertThat(a.status()).isEqualTo(204);
    assertThat(a.headers().get("allow")).contains("POST").contains("GET");
    assertThat(a.body()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void answersEveryErrorAsJsonWithAStableCode(String what, String method, String target, Map<String, String> headers, byte[] body,
      int status, String code) throws Exception {
    RawHttp.Answer a = RawHttp.send(server.port(), method, target, headers, body);
    System.out.println(what + " -> " + a.status() + " " + a.contentType() + " " + a.text());
    assertThat(a.status()).as(a.text()).isEqualTo(status);
    assertThat(a.contentType()).as(a.text()).startsWith("application/json");
    JsonNode error = JSON.readTree(a.body());
    assertThat(error.path("code").asText()).as(a.text()).isEqualTo(code);
    assertThat(error.path("message").asText()).isNotEmpty();
  }
}
