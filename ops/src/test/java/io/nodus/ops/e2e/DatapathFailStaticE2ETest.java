package io.nodus.ops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodus.ops.demo.NamespaceTraffic;
import io.nodus.ops.demo.NamespaceTraffic.Probe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Agents fail static, through real processes, namespaces and BPF: a client may reach a server
 * on TCP 80 and not on 8080. The controller is restarted on a "full" disk (it refuses the watch
 * with storage_unavailable), then replaced by a wiped one at the same address (a new cluster
 * with a handful of revisions of its own), the agent is restarted facing only that one: through
 * all of it 80 connects and 8080 stays dropped, and the agent says why it does not follow (its
 * status, `nodus datapath status -o json`, metrics, log). Only `nodus agent --adopt-cluster`
 * makes it follow the new cluster.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatapathFailStaticE2ETest {
  private static final int ALLOWED = 80;
  private static final int DROPPED = 8080;
  private static final ObjectMapper JSON = new ObjectMapper();

  private DatapathHarness h;
  private String client;
  private String server;
  private String serverIp;
  /** The cluster the node's maps follow. */
  private String cluster;

  @BeforeAll
  void start() throws Exception {
    h = DatapathHarness.start();
    client = "fc-" + h.id;
    server = "fs-" + h.id;
    h.createEndpoint(client, Map.of("app", "client-" + h.id));
    h.createEndpoint(server, Map.of("app", "server-" + h.id));
    serverIp = h.awaitReady(Set.of(client, server), Duration.ofSeconds(60)).get(server).path("ipv4").asText();
    h.agentApi.awaitRevision(h.apply("""
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: server-in-%1$s
        spec:
          endpointSelector:
            matchLabels:
              app: server-%1$s
          ingress:
          - fromEndpoints:
            - matchLabels:
                app: client-%1$s
            toPorts:
            - ports:
              - port: "%2$d"
                protocol: TCP
        """.formatted(h.id, ALLOWED)));
    h.closeLater(NamespaceTraffic.Server.start(server, ALLOWED, "allowed"));
    h.closeLater(NamespaceTraffic.Server.start(server, DROPPED, "dropped"));
    assertEnforced("under the policy");
    cluster = h.agentApi.status().path("log").path("cluster").asText();
    assertThat(cluster).matches("[0-9a-f-]{36}");
  }

  @AfterAll
  void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  @Test
  @Order(1)
  void aControllerRestartedOnAFullDiskIsReportedUnavailableWhileTheMapsKeepEnforcing() throws Exception {
    long applied = h.agentApi.revision();
    h.controller.kill();
    // More free space than any disk has: the controller starts, but its replica refuses to.
    h.controller = h.startController(h.dataDir(), "--min-free-disk", Long.toString(1L << 60));

    JsonNode cp = awaitControlPlane("unavailable with the controller's code",
        c -> c.path("state").asText().equals("unavailable") && c.path("reason").asText().equals("storage_unavailable"));
    assertThat(cp.path("message").asText()).startsWith("unavailable (storage_unavailable) — controller " + h.grpcAddress())
        .endsWith("this node applied revision " + applied + " of cluster " + cluster);
    assertThat(h.agentApi.health().path("status").asText()).isEqualTo("degraded");
    assertThat(h.agentApi.metric("nodus_agent_control_plane_unavailable")).isEqualTo(1);
    assertThat(h.agentApi.metric("nodus_agent_control_plane_failures_total{code=\"storage_unavailable\"}")).isPositive();
    assertEnforced("while the controller refuses to serve");

    // Space again: the log continues, with nothing new in it, and the alarm clears.
    h.controller.kill();
    h.controller = h.startController(h.dataDir());
    awaitControlPlane("following again", c -> c.path("state").asText().equals("following"));
    assertThat(h.agentApi.health().path("status").asText()).isEqualTo("ok");
    assertThat(h.agentApi.revision()).isEqualTo(applied);
  }

  @Test
  @Order(2)
  void aWipedControllerIsRefusedAcrossAnAgentRestartUntilTheOperatorAdoptsItsCluster() throws Exception {
    long applied = h.agentApi.status().path("log").path("revision").asLong();
    h.controller.kill();
    h.controller = h.startController(h.newDataDir());
    // The new cluster gets a handful of revisions of its own: none of this node's endpoints or policies.
    for (int i = 0; i < 3; i++) {
      h.apply(otherPolicy("other-" + i));
    }

    // (a) The agent refuses it and keeps its maps; the alarm names both clusters and revisions.
    JsonNode cp = awaitControlPlane("stale: another cluster",
        c -> c.path("state").asText().equals("stale") && c.path("reason").asText().equals("other_cluster"));
    String foreign = cp.path("cluster").asText();
    assertThat(foreign).matches("[0-9a-f-]{36}").isNotEqualTo(cluster);
    String sentence = "stale — controller " + h.grpcAddress().replace(".", "\\.") + " serves cluster " + foreign
        + " at revision \\d+, this node applied revision " + applied + " of cluster " + cluster;
    assertThat(cp.path("message").asText()).matches(sentence);
    JsonNode cli = datapathStatusJson(1);
    assertThat(cli.path("status").asText()).isEqualTo("degraded");
    assertThat(cli.path("controlPlane").path("state").asText()).isEqualTo("stale");
    assertThat(cli.path("controlPlane").path("message").asText()).matches(sentence);
    assertThat(cli.path("log").path("revision").asLong()).isEqualTo(applied);
    assertThat(names(cli.path("endpoints"))).contains(client, server);
    assertThat(h.agentApi.metric("nodus_agent_control_plane_stale{reason=\"other_cluster\"}")).isEqualTo(1);
    assertThat(h.agentApi.metric("nodus_agent_control_plane_refused_total{kind=\"other_cluster\"}")).isPositive();
    assertThat(h.agent.output()).anyMatch(l -> l.contains("WARN") && l.contains("control plane stale, keeping the maps reason=other_cluster")
        && l.contains("controller_cluster=" + foreign) && l.contains("applied_cluster=" + cluster) && l.contains("applied_revision=" + applied));
    assertEnforced("while the controller serves another cluster");

    // (b) Restarted while only the wiped controller runs: it remembers what its maps reflect.
    h.agent.kill();
    h.agent = h.startAgent();
    awaitControlPlane("stale after the restart", c -> c.path("state").asText().equals("stale"));
    JsonNode status = h.agentApi.status();
    assertThat(status.path("log").path("cluster").asText()).isEqualTo(cluster);
    assertThat(status.path("log").path("revision").asLong()).isEqualTo(applied);
    assertThat(h.agentApi.revision()).isEqualTo(applied);
    assertEnforced("after an agent restart facing only the wiped controller");
    assertThat(h.agentApi.metric("nodus_agent_map_writes_total{map=\"policy\"}")).as("no snapshot applied").isZero();
    assertThat(h.agentApi.metric("nodus_agent_map_writes_total{map=\"endpoints\"}")).isZero();
    assertThat(names(h.rest.get("/v1/nodes").json())).as("nothing written to the foreign cluster").doesNotContain(h.node);

    // (c) The operator's explicit action: follow the new cluster. Its log has none of the old endpoints.
    h.agent.kill();
    h.agent = h.startAgent("--adopt-cluster", foreign);
    awaitControlPlane("following the adopted cluster", c -> c.path("state").asText().equals("following"));
    assertThat(h.agentApi.status().path("log").path("cluster").asText()).isEqualTo(foreign);
    String fresh = "fn-" + h.id;
    h.createEndpoint(fresh, Map.of("app", "fresh-" + h.id));
    h.awaitReady(fresh);
    awaitUntil("the old endpoints' maps removed", () -> names(h.agentApi.endpoints()).equals(List.of(fresh)));
    assertThat(h.agentApi.status().path("log").path("cluster").asText()).isEqualTo(foreign);
    datapathStatusJson(0);
  }

  /** 80 connects, 8080 times out: the datapath drops the SYN. */
  private void assertEnforced(String when) throws Exception {
    Probe allowed = NamespaceTraffic.connect(client, serverIp, ALLOWED, Duration.ofSeconds(2));
    assertThat(allowed.greeting()).as("port %d %s", ALLOWED, when).isEqualTo("allowed");
    assertThat(NamespaceTraffic.connect(client, serverIp, DROPPED, Duration.ofSeconds(1)).result()).as("port %d %s", DROPPED, when)
        .isEqualTo(Probe.Result.TIMED_OUT);
  }

  /** Polls the agent's /v1/status until its controlPlane matches; returns that. */
  private JsonNode awaitControlPlane(String what, Predicate<JsonNode> p) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = h.agentApi.status().path("controlPlane");
        if (p.test(last)) {
          return last;
        }
      } catch (java.io.IOException e) {
        // The agent is starting.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("control plane not " + what + "; last " + last + "; agent output:\n" + String.join("\n", h.agent.tail(30)));
  }

  private static void awaitUntil(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached: " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Runs `nodus datapath status -o json`, expects {@code exitCode}, returns its document. */
  private JsonNode datapathStatusJson(int exitCode) throws Exception {
    List<String> out = new ArrayList<>();
    assertThat(h.cli(out, "datapath", "status", "-o", "json", "--agent", h.agentUrl())).as(String.join("\n", out)).isEqualTo(exitCode);
    int start = 0;
    while (start < out.size() && !out.get(start).startsWith("{")) {
      start++;
    }
    return JSON.readTree(String.join("\n", out.subList(start, out.size())));
  }

  private static List<String> names(JsonNode list) {
    return StreamSupport.stream(list.spliterator(), false).map(n -> n.path("name").asText()).sorted().toList();
  }

  private String otherPolicy(String name) {
    return """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: %s-%s
        spec:
          endpointSelector:
            matchLabels:
              app: elsewhere
          ingress:
          - {}
        """.formatted(name, h.id);
  }
}
