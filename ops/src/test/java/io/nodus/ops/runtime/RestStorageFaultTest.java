package io.nodus.ops.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.Fixtures;
import io.nodus.raft.testing.LoopDisk;
import io.nodus.rest.RestConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a REST client and an operator see of a controller whose disk is full: {@code /healthz}
 * answers 503 with the replica's condition and the reason naming the directory, writes and reads
 * answer 503 {@code storage_unavailable} at once (a read never answers an empty list), and once
 * the space is freed the same process serves again with everything it had acknowledged. The data
 * directory is a real ext4 file system on a loop device.
 */
class RestStorageFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String POLICY = """
      {"apiVersion":"cilium.io/v2","kind":"CiliumNetworkPolicy",
       "metadata":{"name":"p%d","namespace":"default"},
       "spec":{"endpointSelector":{"matchLabels":{"app":"web"}},
               "ingress":[{"fromEndpoints":[{"matchLabels":{"app":"client"}}]}]}}""";

  private final HttpClient http = HttpClient.newHttpClient();
  private LoopDisk disk;
  private ControllerRuntime runtime;

  @AfterEach
  void cleanUp() {
    if (runtime != null) {
      runtime.close();
    }
    if (disk != null) {
      disk.close();
    }
  }

  @Test
  void aFullDiskIsAJson503NamingTheDiskEverywhereAndEverythingAcknowledgedIsServedOnceItIsFreed() throws Exception {
    disk = LoopDisk.create(64);
    ControllerConfig config = Fixtures.single(disk.root().resolve("c1")).minFreeBytes(4L << 20).build();
    runtime = ControllerRuntime.start(config, new RestConfig("127.0.0.1", 0, 1 << 20),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    Await.until(WAIT, "healthz ok", () -> send("GET", "/healthz", null).statusCode() == 200);
    for (int i = 0; i < 20; i++) {
      assertThat(send("POST", "/v1/policies", POLICY.formatted(i)).statusCode()).isEqualTo(201);
    }

    disk.fill();
    Await.until(WAIT, "healthz reports the disk", () -> send("GET", "/healthz", null).statusCode() == 503);
    JsonNode health = json(send("GET", "/healthz", null));
    assertThat(health.path("status").asText()).isEqualTo("storage_failed");
    assertThat(health.path("replica").path("reason").asText()).contains("disk full").contains(disk.root().toString());
    assertStorageUnavailable(send("POST", "/v1/policies", POLICY.formatted(99)));
    assertStorageUnavailable(send("GET", "/v1/policies", null));
    assertStorageUnavailable(send("GET", "/v1/policies?stale=true", null));
    JsonNode cluster = json(send("GET", "/v1/cluster", null));
    assertThat(cluster.path("replica").path("condition").asText()).isEqualTo("storage_failed");

    disk.free();
    Await.until(WAIT, "healthz ok again", () -> send("GET", "/healthz", null).statusCode() == 200);
    JsonNode policies = json(send("GET", "/v1/policies", null));
    assertThat(policies.size()).isEqualTo(20);
    assertThat(send("POST", "/v1/policies", POLICY.formatted(20)).statusCode()).isEqualTo(201);
    assertThat(json(send("GET", "/v1/cluster", null)).path("replica").path("recoveries").asInt()).isEqualTo(1);
  }

  private static void assertStorageUnavailable(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
    JsonNode error = JSON.readTree(r.body());
    assertThat(error.path("code").asText()).isEqualTo("storage_unavailable");
    assertThat(error.path("message").asText()).contains("disk full");
  }

  private HttpResponse<String> send(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.restPort() + path))
        .timeout(Duration.ofSeconds(5));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }
}
