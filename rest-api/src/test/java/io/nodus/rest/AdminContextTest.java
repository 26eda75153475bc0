package io.nodus.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dropwizard's admin context lives on its own loopback port, only when configured, and answers
 * reads only: the API port has no {@code /admin}, and no task (log levels, GC) is reachable.
 */
class AdminContextTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> NONE = Map.of();

  private static RestServer withAdmin;
  private static RestServer withoutAdmin;

  @BeforeAll
  static void start() throws Exception {
    withAdmin = RestServer.start(new RestConfig("127.0.0.1", 0, 64 * 1024).withAdminPort(0), new InMemoryControlPlane(),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    withoutAdmin = RestServer.start(new RestConfig("127.0.0.1", 0, 64 * 1024), new InMemoryControlPlane(),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  @AfterAll
  static void stop() throws Exception {
    withAdmin.close();
    withoutAdmin.close();
  }

  @Test
  void servesNoAdminPathsOnTheApiPort() throws Exception {
    for (RestServer s : new RestServer[] {withAdmin, withoutAdmin}) {
      for (String path : new String[] {"/admin/threads", "/admin/healthcheck", "/admin/ping", "/threads", "/tasks/gc"}) {
        RawHttp.Answer a = RawHttp.send(s.port(), "GET", path, NONE, null);
        assertThat(a.status()).as(path).isEqualTo(404);
        assertThat(JSON.readTree(a.body()).path("code").asText()).isEqualTo("not_found");
      }
      RawHttp.Answer task = RawHttp.send(s.port(), "POST", "/admin/tasks/log-level?logger=ROOT&level=OFF", NONE, new byte[0]);
      assertThat(task.status()).isEqualTo(404);
      assertThat(task.contentType()).startsWith("application/json");
    }
  }

  @Test
  void isOffUnlessConfigured() {
    assertThat(withoutAdmin.adminPort()).isEqualTo(RestConfig.ADMIN_OFF);
    assertThat(withAdmin.adminPort()).isPositive().isNotEqualTo(withAdmin.port());
  }

  @Test
  void servesHealthChecksPingAndThreadsOnLoopback() throws Exception {
    int port = withAdmin.adminPort();
    assertThat(RawHttp.send(port, "GET", "/ping", NONE, null).text()).contains("pong");
    assertThat(RawHttp.send(port, "GET", "/threads", NONE, null).status()).isEqualTo(200);
    assertThat(RawHttp.send(port, "GET", "/healthcheck", NONE, null).text()).contains("control-plane");
  }

  @Test
  void refusesTasksAndEverythingElseOnTheAdminPort() throws Exception {
    int port = withAdmin.adminPort();
    for (String path : new String[] {"/tasks/log-level?logger=ROOT&level=OFF", "/admin/tasks/log-level?logger=ROOT&level=OFF",
        "/tasks/gc"}) {
      RawHttp.Answer a = RawHttp.send(port, "POST", path, NONE, new byte[0]);
      assertThat(a.status()).as(path).isEqualTo(404);
      assertThat(JSON.readTree(a.body()).path("code").asText()).isEqualTo("not_found");
    }
    for (String path : new String[] {"/metrics", "/pprof", "/", "/tasks"}) {
      assertThat(RawHttp.send(port, "GET", path, NONE, null).status()).as(path).isEqualTo(404);
    }
    RawHttp.Answer post = RawHttp.send(port, "POST", "/threads", NONE, new byte[0]);
    assertThat(post.status()).isEqualTo(405);
    assertThat(JSON.readTree(post.body()).path("code").asText()).isEqualTo("method_not_allowed");
  }

  @Test
  void bindsTheAdminPortToLoopbackOnly() throws Exception {
    Optional<InetAddress> other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
        .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
        .filter(a -> !a.isLoopbackAddress() && a instanceof java.net.Inet4Address).findFirst();
    if (other.isPresent()) {
      try (Socket s = new Socket(other.get(), withAdmin.adminPort())) {
        throw new AssertionError("admin port reachable on " + other.get());
      } catch (ConnectException expected) {
        // Refused: nothing listens there.
      }
    }
  }

  @Test
  void refusesANonLoopbackAdminAddress() {
    assertThat(RestConfig.parseAdminPort("127.0.0.1:9404")).isEqualTo(9404);
    assertThat(RestConfig.parseAdminPort("9404")).isEqualTo(9404);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RestConfig.parseAdminPort("0.0.0.0:9404"))
        .hasMessageContaining("127.0.0.1 only");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RestConfig.parseAdminPort("10.0.0.1:9404"))
        .hasMessageContaining("127.0.0.1 only");
  }
}
