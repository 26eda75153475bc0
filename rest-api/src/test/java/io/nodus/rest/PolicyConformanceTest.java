package io.nodus.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.rest.policy.ConformanceCorpus;
import io.nodus.rest.policy.ConformanceCorpus.Rendered;
import io.nodus.rest.policy.PolicyDocuments;
import io.nodus.state.policy.PolicyNormalizer;
import io.nodus.state.proto.Policy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file of the conformance corpus is accepted by POST /v1/policies, and GET gives back the
 * document: the same text, which parses to the same model, and the stored model is that model
 * normalized. Runs the REST API over the real state machine without Raft (the CLI test in ops
 * does the same against a real controller).
 */
class PolicyConformanceTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static InMemoryControlPlane controlPlane;
  private static RestServer server;
  private static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    controlPlane = new InMemoryControlPlane();
    server = RestServer.start(new RestConfig("127.0.0.1", 0, 1024 * 1024), controlPlane, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    http = HttpClient.newHttpClient();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static List<Rendered> corpus() {
    return ConformanceCorpus.rendered();
  }

  @Test
  void theCorpusIsComplete() {
    List<Rendered> files = corpus();
    assertThat(files).hasSizeGreaterThanOrEqualTo(56);
    assertThat(files).extracting(Rendered::name)
        .anyMatch(n -> n.startsWith("cilium/cilium-cli/"))
        .anyMatch(n -> n.startsWith("k8s-netpol/kubernetes-website/"))
        .anyMatch(n -> n.startsWith("cilium/examples/"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void everyConformanceFileIsAcceptedAndComesBackEquivalent(Rendered file) throws Exception {
    assertThat(file.text()).as("rendered").doesNotContain("{{");
    String format = file.name().endsWith(".json") ? PolicyDocuments.JSON : PolicyDocuments.YAML;
    List<String> documents = format.equals(PolicyDocuments.JSON) ? List.of(file.text()) : PolicyDocuments.split(file.text());
    assertThat(documents).isNotEmpty();
    for (String doc : documents) {
      HttpResponse<String> posted = send("POST", "/v1/policies", format, doc);
      assertThat(posted.statusCode()).as(posted.body()).isIn(200, 201);
      JsonNode view = JSON.readTree(posted.body());
      String ns = view.get("namespace").asText();
      String name = view.get("name").asText();
      String path = "/v1/policies/" + (ns.isEmpty() ? "" : enc(ns) + "/") + enc(name);

      HttpResponse<String> got = send("GET", path, null, null);
      assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
      JsonNode shown = JSON.readTree(got.body());
      assertThat(shown.get("document").asText()).isEqualTo(doc);
      Policy sent = PolicyDocuments.parse(doc, format);
      assertThat(PolicyDocuments.parse(shown.get("document").asText(), shown.get("format").asText())).isEqualTo(sent);
      Policy stored = controlPlane.read(false).getPoliciesList().stream()
          .filter(p -> p.getNamespace().equals(ns) && p.getName().equals(name)).findFirst().orElseThrow();
      assertThat(stored.toBuilder().clearRevision().build()).isEqualTo(PolicyNormalizer.normalize(sent));
      assertThat(stored.getKind()).isEqualTo(view.get("kind").asText());

      HttpResponse<String> original = send("GET", path, null, null, "application/yaml");
      assertThat(original.body()).isEqualTo(doc);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
    return send(method, path, contentType, body, null);
  }

  private static HttpResponse<String> send(String method, String path, String contentType, String body, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (accept != null) {
      b.header("Accept", accept);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
