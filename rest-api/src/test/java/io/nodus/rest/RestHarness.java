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

/** A REST server over the in-memory control plane, with request helpers for resource tests. */
final class RestHarness implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  final InMemoryControlPlane controlPlane = new InMemoryControlPlane();
  private final RestServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  RestHarness() throws Exception {
    controlPlane.submit(Command.newBuilder().setRequestId("n1").setRegisterNode(RegisterNode.newBuilder().setName("n1")).build());
    server = RestServer.start(new RestConfig("127.0.0.1", 0, 64 * 1024), controlPlane, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  int port() {
    return server.port();
  }

  RestServer server() {
    return server;
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  /** Sends a request expected to be refused with {@code status}; checks the revision did not move; returns the error. */
  JsonNode refused(String method, String path, String body, int status) throws Exception {
    long before = controlPlane.revision();
    HttpResponse<String> r = send(method, path, body);
    assertThat(r.statusCode()).as("%s %s -> %s", method, path, r.body()).isEqualTo(status);
    assertThat(controlPlane.revision()).as("revision after a refused %s %s", method, path).isEqualTo(before);
    JsonNode error = json(r);
    assertThat(error.get("code").asText()).isNotEmpty();
    return error;
  }

  /** The field a refused request names. */
  String refusedField(String method, String path, String body, int status) throws Exception {
    return refused(method, path, body, status).path("field").asText();
  }

  @Override
  public void close() throws Exception {
    server.close();
  }
}
