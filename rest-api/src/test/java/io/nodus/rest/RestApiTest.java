package io.nodus.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.RegisterNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RestApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POLICY = """
      apiVersion: cilium.io/v2
      kind: CiliumNetworkPolicy
      metadata:
        name: allow-80
      spec:
        endpointSelector:
          matchLabels:
            app: server
        ingress:
        - fromEndpoints:
          - matchLabels:
              app: client
          toPorts:
          - ports:
            - port: "80"
              protocol: TCP
      """;

  private static InMemoryControlPlane controlPlane;
  private static RestServer server;

  @BeforeAll
  static void start() throws Exception {
    controlPlane = new InMemoryControlPlane();
    controlPlane.submit(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("n1")).build());
    server = RestServer.start(new RestConfig("127.0.0.1", 0, 64 * 1024), controlPlane, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static HttpResponse<String> send(String method, String path, String contentType, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    // A client per request: refusing an oversized body makes the server drop that connection,
    // and a pooled connection could otherwise carry the next test's request into it.
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  /** Posts a document expected to be refused, and checks the state did not move. */
  private static JsonNode refused(String body, String contentType, int status) throws Exception {
    long before = controlPlane.revision();
    HttpResponse<String> r = send("POST", "/v1/policies", contentType, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(controlPlane.revision()).isEqualTo(before);
    return json(r);
  }

  @Test
  void appliesAPolicyAsYamlAndGivesBackTheDocument() throws Exception {
    HttpResponse<String> created = send("POST", "/v1/policies", "application/yaml", POLICY);
    assertThat(created.statusCode()).as(created.body()).isIn(200, 201);
    assertThat(created.headers().firstValue("X-Nodus-Revision")).isPresent();
    HttpResponse<String> got = send("GET", "/v1/policies/default/allow-80", null, null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(json(got).get("document").asText()).isEqualTo(POLICY);
    assertThat(json(got).get("kind").asText()).isEqualTo("CiliumNetworkPolicy");
    HttpResponse<String> list = send("GET", "/v1/policies", null, null);
    assertThat(json(list).findValuesAsText("name")).contains("allow-80");
    HttpResponse<String> again = send("POST", "/v1/policies", "application/yaml", POLICY);
    assertThat(again.statusCode()).isEqualTo(200);
  }

  @Test
  void appliesAPolicyAsJsonAndDeletesIt() throws Exception {
    String doc = """
        {"apiVersion":"cilium.io/v2","kind":"CiliumNetworkPolicy","metadata":{"name":"j1","namespace":"prod"},
         "spec":{"endpointSelector":{"matchLabels":{"app":"db"}},"egress":[{"toPorts":[{"ports":[{"port":"53","protocol":"UDP"}]}]}]}}
        """;
    assertThat(send("POST", "/v1/policies", "application/json", doc).statusCode()).isEqualTo(201);
    assertThat(send("DELETE", "/v1/policies/prod/j1", null, null).statusCode()).isEqualTo(204);
    HttpResponse<String> gone = send("GET", "/v1/policies/prod/j1", null, null);
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(json(gone).get("code").asText()).isEqualTo("not_found");
  }

  @Test
  void comparesAndSetsOnThePolicyRevisionWithIfMatch() throws Exception {
    String v1 = POLICY.replace("allow-80", "cas-1");
    String v2 = v1.replace("app: client", "app: client-2");
    String v3 = v1.replace("app: client", "app: client-3");
    HttpResponse<String> created = send("POST", "/v1/policies", "application/yaml", v1, "If-None-Match", "*");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String etag1 = created.headers().firstValue("ETag").orElseThrow();
    assertThat(etag1).isEqualTo("\"" + json(created).get("revision").asLong() + "\"");
    assertThat(send("GET", "/v1/policies/default/cas-1", null, null).headers().firstValue("ETag")).contains(etag1);

    long before = controlPlane.revision();
    HttpResponse<String> again = send("POST", "/v1/policies", "application/yaml", v2, "If-None-Match", "*");
    assertThat(again.statusCode()).as(again.body()).isEqualTo(412);
    assertThat(json(again).get("code").asText()).isEqualTo("failed_precondition");
    assertThat(json(again).get("field").asText()).isEqualTo("expectedRevision");
    assertThat(controlPlane.revision()).isEqualTo(before);

    HttpResponse<String> updated = send("POST", "/v1/policies", "application/yaml", v2, "If-Match", etag1);
    assertThat(updated.statusCode()).as(updated.body()).isEqualTo(201);
    String etag2 = updated.headers().firstValue("ETag").orElseThrow();
    assertThat(etag2).isNotEqualTo(etag1);

    // A writer that read revision 1 lost the race: neither its update nor its delete applies.
    before = controlPlane.revision();
    assertThat(send("POST", "/v1/policies", "application/yaml", v3, "If-Match", etag1).statusCode()).isEqualTo(412);
    assertThat(send("DELETE", "/v1/policies/default/cas-1", null, null, "If-Match", etag1).statusCode()).isEqualTo(412);
    assertThat(controlPlane.revision()).isEqualTo(before);
    assertThat(send("GET", "/v1/policies/default/cas-1", null, null).body()).contains("client-2");

    assertThat(send("DELETE", "/v1/policies/default/cas-1", null, null, "If-Match", etag2).statusCode()).isEqualTo(204);
    assertThat(send("GET", "/v1/policies/default/cas-1", null, null).statusCode()).isEqualTo(404);
  }

  @Test
  void rejectsMalformedPreconditionsNamingTheHeader() throws Exception {
    String doc = POLICY.replace("allow-80", "cas-bad");
    long before = controlPlane.revision();
    // Each case: the headers, then the header the error must name.
    for (List<String> c : List.of(
        List.of("If-Match", "abc", "If-Match"), List.of("If-Match", "\"0\"", "If-Match"), List.of("If-Match", "*", "If-Match"),
        List.of("If-Match", "W/\"3\"", "If-Match"), List.of("If-None-Match", "\"3\"", "If-None-Match"),
        List.of("If-Match", "\"9999999999999999999\"", "If-Match"), List.of("If-Match", "\"9223372036854775808\"", "If-Match"),
        List.of("If-Match", "\"3\"", "If-None-Match", "*", "If-Match"))) {
      String[] headers = c.subList(0, c.size() - 1).toArray(String[]::new);
      HttpResponse<String> r = send("POST", "/v1/policies", "application/yaml", doc, headers);
      assertThat(r.statusCode()).as(c + ": " + r.body()).isEqualTo(400);
      assertThat(json(r).get("field").asText()).as(c.toString()).isEqualTo(c.getLast());
    }
    HttpResponse<String> delete = send("DELETE", "/v1/policies/default/cas-bad", null, null, "If-None-Match", "*");
    assertThat(delete.statusCode()).isEqualTo(400);
    assertThat(json(delete).get("field").asText()).isEqualTo("If-None-Match");
    assertThat(controlPlane.revision()).isEqualTo(before);
  }

  @Test
  void rejectsMalformedYamlWithItsPosition() throws Exception {
    JsonNode e = refused("apiVersion: cilium.io/v2\nkind: [unclosed\n", "application/yaml", 400);
    assertThat(e.get("message").asText()).contains("malformed YAML").contains("line");
  }

  @Test
  void rejectsUnknownFieldsNamingThePath() throws Exception {
    JsonNode e = refused(POLICY.replace("fromEndpoints", "fromEndpointz"), "application/yaml", 400);
    assertThat(e.get("field").asText()).isEqualTo("spec.ingress[0].fromEndpointz");
  }

  @Test
  void rejectsPortsOutOfRangeNamingTheField() throws Exception {
    JsonNode e = refused(POLICY.replace("\"80\"", "\"80000\""), "application/yaml", 400);
    assertThat(e.get("field").asText()).isEqualTo("spec.ingress[0].toPorts[0].ports[0].port");
    JsonNode named = refused(POLICY.replace("\"80\"", "http"), "application/yaml", 400);
    assertThat(named.get("message").asText()).contains("named ports");
  }

  @Test
  void rejectsInvalidSelectorsAndLabelKeys() throws Exception {
    JsonNode key = refused(POLICY.replace("app: client", "'-app': client"), "application/yaml", 400);
    assertThat(key.get("field").asText()).startsWith("spec.ingress[0].fromEndpoints[0].matchLabels");
    String badOp = POLICY.replace("- matchLabels:\n        app: client", "- matchExpressions:\n      - {key: app, operator: Like, values: [x]}");
    assertThat(badOp).isNotEqualTo(POLICY);
    JsonNode op = refused(badOp, "application/yaml", 400);
    assertThat(op.get("field").asText()).isEqualTo("spec.ingress[0].fromEndpoints[0].matchExpressions[0].operator");
  }

  @Test
  void refusesFieldsThisVersionDoesNotEnforceByName() throws Exception {
    String nodes = POLICY.replace("fromEndpoints:", "fromNodes:");
    JsonNode e = refused(nodes, "application/yaml", 400);
    assertThat(e.get("field").asText()).isEqualTo("spec.ingress[0].fromNodes");
    assertThat(e.get("message").asText()).contains("not supported");
  }

  @Test
  void rejectsWrongKindsMissingNamesAndSeveralDocuments() throws Exception {
    assertThat(refused(POLICY.replace("CiliumNetworkPolicy", "Pod"), "application/yaml", 400).get("field").asText()).isEqualTo("kind");
    assertThat(refused(POLICY.replace("name: allow-80", "name: Not_Valid"), "application/yaml", 400).get("field").asText())
        .isEqualTo("metadata.name");
    assertThat(refused(POLICY + "---\n" + POLICY, "application/yaml", 400).get("message").asText()).contains("2 documents");
  }

  @Test
  void refusesOversizedBodies() throws Exception {
    String big = POLICY + "#" + "x".repeat(70 * 1024) + "\n";
    refused(big, "application/yaml", 413);
  }

  @Test
  void createsAndListsEndpointsAndNamesBadFields() throws Exception {
    HttpResponse<String> created = send("POST", "/v1/endpoints", "application/json",
        "{\"name\":\"web-1\",\"node\":\"n1\",\"labels\":{\"app\":\"web\"}}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(json(created).get("state").asText()).isEqualTo("pending");
    assertThat(json(created).get("identity").asInt()).isGreaterThanOrEqualTo(256);
    HttpResponse<String> unknownNode = send("POST", "/v1/endpoints", "application/json", "{\"name\":\"x\",\"node\":\"nope\"}");
    assertThat(unknownNode.statusCode()).isEqualTo(404);
    assertThat(json(unknownNode).get("field").asText()).isEqualTo("node");
    HttpResponse<String> unknownField = send("POST", "/v1/endpoints", "application/json", "{\"name\":\"x\",\"node\":\"n1\",\"lables\":{}}");
    assertThat(unknownField.statusCode()).isEqualTo(400);
    assertThat(json(unknownField).get("field").asText()).isEqualTo("lables");
    HttpResponse<String> badLabel = send("POST", "/v1/endpoints", "application/json", "{\"name\":\"x\",\"node\":\"n1\",\"labels\":{\"app\":\"a b\"}}");
    assertThat(json(badLabel).get("field").asText()).isEqualTo("labels.app");
    assertThat(json(send("GET", "/v1/endpoints", null, null)).findValuesAsText("name")).contains("web-1");
  }

  @Test
  void listsReservedIdentitiesNodesAndCluster() throws Exception {
    JsonNode ids = json(send("GET", "/v1/identities", null, null));
    assertThat(ids.findValuesAsText("id")).contains("1", "2");
    assertThat(json(send("GET", "/v1/identities/2", null, null)).get("labels").get(0).asText()).isEqualTo("reserved:world");
    assertThat(json(send("GET", "/v1/nodes", null, null)).get(0).get("podCidr").asText()).isEqualTo("10.200.0.0/24");
    assertThat(json(send("GET", "/v1/cluster", null, null)).get("leader").asText()).isEqualTo("c1");
    assertThat(send("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
  }

  @Test
  void answersUnknownPathsAndMediaTypesWithJsonErrors() throws Exception {
    HttpResponse<String> r = send("GET", "/v1/nothing", null, null);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(json(r).get("code").asText()).isEqualTo("not_found");
    HttpResponse<String> media = send("POST", "/v1/policies", "image/png", "x");
    assertThat(media.statusCode()).isEqualTo(415);
  }

  @Test
  void exposesPrometheusMetrics() throws Exception {
    send("GET", "/v1/nodes", null, null);
    HttpResponse<String> m = send("GET", "/metrics", null, null);
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.body()).contains("nodus_http_requests_seconds_count{method=\"GET\",status=\"200\",uri=\"/v1/nodes\"}");
  }
}
