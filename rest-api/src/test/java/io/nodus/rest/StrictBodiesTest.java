package io.nodus.rest;

import static io.nodus.rest.RestHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request bodies are taken as sent or refused naming the field: never rounded (80.9), clamped,
 * coerced ("80", 1 for a string), decoded with replacement characters, or failing on a null
 * inside a list or map with a Java exception's name.
 */
class StrictBodiesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SERVICE = "{\"name\":\"web\",\"frontend\":{\"ip\":\"10.96.0.10\",\"port\":80},"
      + "\"backends\":[{\"ip\":\"10.200.0.5\",\"port\":8080,\"weight\":5}]}";
  private static final String ENDPOINT = "{\"name\":\"ep-1\",\"node\":\"n1\",\"labels\":{\"app\":\"web\"}}";
  private static final String POOL = "{\"name\":\"pool-a\",\"cidr\":\"10.50.0.0/16\",\"blockPrefix\":24}";
  private static final String POLICY = """
      apiVersion: cilium.io/v2
      kind: CiliumNetworkPolicy
      metadata:
        name: p1
      spec:
        endpointSelector:
          matchLabels:
            app: server
        ingress:
        - toPorts:
          - ports:
            - port: "80"
              protocol: TCP
            rules:
              http:
              - path: /api/.*
      """;

  private static RestHarness api;

  @BeforeAll
  static void start() throws Exception {
    api = new RestHarness();
  }

  @AfterAll
  static void stop() throws Exception {
    api.close();
  }

  private static Arguments bad(String path, String fixture, String from, String to, String field) {
    if (!fixture.contains(from)) {
      throw new IllegalArgumentException("fixture does not contain " + from);
    }
    return Arguments.of(path, fixture.replace(from, to), field);
  }

  static Stream<Arguments> badJson() {
    return Stream.of(
        bad("/v1/services", SERVICE, "\"port\":80", "\"port\":80.9", "frontend.port"),
        bad("/v1/services", SERVICE, "\"port\":80", "\"port\":8e1", "frontend.port"),
        bad("/v1/services", SERVICE, "\"port\":80", "\"port\":\"80\"", "frontend.port"),
        bad("/v1/services", SERVICE, "\"port\":80", "\"port\":99999999999", "frontend.port"),
        bad("/v1/services", SERVICE, "\"port\":80", "\"port\":99999999999999999999999", "frontend.port"),
        bad("/v1/services", SERVICE, "\"port\":80", "\"port\":70000", "frontend.port"),
        bad("/v1/services", SERVICE, "\"port\":80", "\"port\":-1", "frontend.port"),
        bad("/v1/services", SERVICE, "\"weight\":5", "\"weight\":2.5", "backends[0].weight"),
        bad("/v1/services", SERVICE, "\"weight\":5", "\"weight\":70000", "backends[0].weight"),
        bad("/v1/services", SERVICE, "\"name\":\"web\"", "\"name\":123", "name"),
        bad("/v1/services", SERVICE, "\"name\":\"web\"", "\"name\":true", "name"),
        bad("/v1/services", SERVICE, "\"backends\":[", "\"backends\":[null,", "backends[0]"),
        bad("/v1/services", SERVICE, "\"backends\":[{\"ip\":\"10.200.0.5\",\"port\":8080,\"weight\":5}]", "\"backends\":[null]",
            "backends[0]"),
        bad("/v1/services", SERVICE, "}]}", "}],\"flags\":{\"dsr\":1}}", "flags.dsr"),
        bad("/v1/services", SERVICE, "}]}", "}],\"flags\":{\"sessionAffinityTimeoutSeconds\":1.5}}",
            "flags.sessionAffinityTimeoutSeconds"),
        bad("/v1/endpoints", ENDPOINT, "\"web\"", "null", "labels.app"),
        bad("/v1/endpoints", ENDPOINT, "\"web\"", "7", "labels.app"),
        bad("/v1/endpoints", ENDPOINT, "\"n1\"", "[\"n1\"]", "node"),
        bad("/v1/ipam/pools", POOL, "24", "24.5", "blockPrefix"),
        bad("/v1/ipam/pools", POOL, "24", "1e400", "blockPrefix"),
        bad("/v1/ipam/pools", POOL, "24", "4294967320", "blockPrefix"),
        bad("/v1/ipam/pools", POOL, "24", "\"24\"", "blockPrefix"),
        bad("/v1/ipam/pools/default/allocations", "{\"owner\":\"x\",\"prefixLength\":28}", "28", "28.0", "prefixLength"),
        bad("/v1/ipam/pools/default/allocations", "{\"owner\":\"x\",\"prefixLength\":28}", "28", "-4294967268", "prefixLength"),
        bad("/v1/cluster/members", "{\"id\":\"c2\",\"raftAddress\":\"127.0.0.1:1\",\"grpcAddress\":\"127.0.0.1:2\"}", "\"c2\"", "2", "id"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badJson")
  void refusesRetypedOrOutOfRangeValuesNamingTheField(String path, String body, String field) throws Exception {
    JsonNode e = api.refused("POST", path, body, 400);
    assertThat(e.path("field").asText()).as(e.toString()).isEqualTo(field);
    assertThat(e.path("message").asText()).doesNotContain("Exception").doesNotContain("java.");
  }

  @Test
  void refusesBodiesThatAreNotObjects() throws Exception {
    for (String path : new String[] {"/v1/services", "/v1/endpoints", "/v1/ipam/pools", "/v1/ipam/pools/default/allocations",
        "/v1/cluster/members"}) {
      for (String body : new String[] {"null", "0", "[]", "\"x\"", "true"}) {
        JsonNode e = api.refused("POST", path, body, 400);
        assertThat(e.path("message").asText()).as(path + " " + body).doesNotContain("java.").doesNotContain("Exception");
      }
    }
  }

  @Test
  void refusesNonIntegralAndOutOfRangePortsInPolicyDocuments() throws Exception {
    for (String port : new String[] {"80.9", "8e1", "99999999999999999999", "-1", "80.0"}) {
      JsonNode e = refusedYaml(POLICY.replace("port: \"80\"", "port: " + port));
      assertThat(e.path("field").asText()).as(port + ": " + e).isEqualTo("spec.ingress[0].toPorts[0].ports[0].port");
    }
  }

  @Test
  void refusesNullsInsidePolicyListsAndMapsNamingThem() throws Exception {
    assertThat(refusedYaml(POLICY.replace("app: server", "app:")).path("field").asText())
        .isEqualTo("spec.endpointSelector.matchLabels.app");
    assertThat(refusedYaml(POLICY.replace("app: server", "app: null")).path("field").asText())
        .isEqualTo("spec.endpointSelector.matchLabels.app");
    assertThat(refusedYaml(POLICY.replace("  - toPorts:", "  - fromEndpoints: [null]\n    toPorts:")).path("field").asText())
        .isEqualTo("spec.ingress[0].fromEndpoints[0]");
  }

  @Test
  void refusesHttpRegexesOutsideRe2NamingTheFieldAndConstruct() throws Exception {
    JsonNode e = refusedYaml(POLICY.replace("/api/.*", "'/(?<=a)b'"));
    assertThat(e.path("field").asText()).isEqualTo("spec.ingress[0].toPorts[0].rules.http[0].path");
    assertThat(e.path("message").asText()).contains("lookbehind (?<=...) is not supported (RE2 syntax)");
  }

  private static JsonNode refusedYaml(String document) throws Exception {
    long before = api.controlPlane.revision();
    RawHttp.Answer a = RawHttp.send(api.port(), "POST", "/v1/policies", Map.of("Content-Type", "application/yaml"),
        document.getBytes(StandardCharsets.UTF_8));
    assertThat(a.status()).as(a.text()).isEqualTo(400);
    assertThat(api.controlPlane.revision()).isEqualTo(before);
    return JSON.readTree(a.body());
  }

  @Test
  void refusesInvalidUtf8NamingTheBody() throws Exception {
    long before = api.controlPlane.revision();
    for (String path : new String[] {"/v1/policies", "/v1/services", "/v1/endpoints", "/v1/ipam/pools", "/v1/cluster/members"}) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.write((path.equals("/v1/policies") ? POLICY + "# " : "{\"name\":\"").getBytes(StandardCharsets.UTF_8));
      body.write(new byte[] {(byte) 0xFF, (byte) 0xFE});
      body.write((path.equals("/v1/policies") ? "\n" : "\"}").getBytes(StandardCharsets.UTF_8));
      RawHttp.Answer a = RawHttp.send(api.port(), "POST", path,
          Map.of("Content-Type", path.equals("/v1/policies") ? "application/yaml" : "application/json"), body.toByteArray());
      assertThat(a.status()).as(path + ": " + a.text()).isEqualTo(400);
      assertThat(JSON.readTree(a.body()).path("field").asText()).isEqualTo("body");
    }
    assertThat(api.controlPlane.revision()).isEqualTo(before);
  }

  @Test
  void storesAPolicyDocumentByteForByte() throws Exception {
    byte[] sent = POLICY.replace("name: p1", "name: p-utf8").concat("# café ✓ 🐝\r\n# tab\there\n").getBytes(StandardCharsets.UTF_8);
    RawHttp.Answer a = RawHttp.send(api.port(), "POST", "/v1/policies", Map.of("Content-Type", "application/yaml; charset=utf-8"), sent);
    assertThat(a.status()).as(a.text()).isEqualTo(201);
    RawHttp.Answer got = RawHttp.send(api.port(), "GET", "/v1/policies/default/p-utf8", Map.of("Accept", "application/yaml"), null);
    assertThat(got.body()).isEqualTo(sent);
  }

  @Test
  void refusesCharsetsOtherThanUtf8() throws Exception {
    long before = api.controlPlane.revision();
    RawHttp.Answer a = RawHttp.send(api.port(), "POST", "/v1/services", Map.of("Content-Type", "application/json; charset=ISO-8859-1"),
        SERVICE.getBytes(StandardCharsets.ISO_8859_1));
    assertThat(a.status()).as(a.text()).isEqualTo(415);
    assertThat(JSON.readTree(a.body()).path("code").asText()).isEqualTo("unsupported_media_type");
    assertThat(api.controlPlane.revision()).isEqualTo(before);
  }

  @Test
  void acceptsTheValidBodies() throws Exception {
    assertThat(api.send("POST", "/v1/services", SERVICE).statusCode()).isEqualTo(201);
    assertThat(api.send("POST", "/v1/endpoints", ENDPOINT).statusCode()).isEqualTo(201);
    assertThat(api.send("POST", "/v1/ipam/pools", POOL).statusCode()).isEqualTo(201);
    assertThat(json(api.send("GET", "/v1/services/default/web", null)).get("frontend").get("port").asInt()).isEqualTo(80);
  }
}
