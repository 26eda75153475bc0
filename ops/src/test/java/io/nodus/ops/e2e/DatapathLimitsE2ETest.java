package io.nodus.ops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.ops.client.AgentMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The datapath's limits, through real processes and an agent with tiny maps: a policy that does
 * not fit an endpoint's policy map is a clear error (endpoint status, `nodus datapath status`, a
 * monitor notice, a metric) and the previous policy stays in force; a full CT table is a counted
 * drop reason; and `nodus datapath clean` removes the node's datapath from the host.
 */
class DatapathLimitsE2ETest {
  private DatapathHarness h;

  @AfterEach
  void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void anOverflowingPolicyIsAClearErrorAndAFullCtTableACountedDrop() throws Exception {
    h = DatapathHarness.start("--policy-entries", "8", "--ct-entries", "24");
    String client = "lc-" + h.id;
    String server = "ls-" + h.id;
    h.createEndpoint(client, Map.of("app", "client-" + h.id));
    h.createEndpoint(server, Map.of("app", "server-" + h.id));
    Map<String, JsonNode> ready = h.awaitReady(Set.of(client, server), Duration.ofSeconds(60));
    String serverIp = ready.get(server).path("ipv4").asText();
    h.closeLater(new NamespaceUdp.Echo(server, 9000));
    h.closeLater(new NamespaceUdp.Echo(server, 9001));

    // Fits: one port and the host entry.
    h.agentApi.awaitRevision(h.apply(policy(9000)));
    assertThat(NamespaceUdp.echoes(client, serverIp, 9000, 1000)).isTrue();
    assertThat(NamespaceUdp.echoes(client, serverIp, 9001, 500)).isFalse();

    ConcurrentLinkedQueue<JsonNode> notices = new ConcurrentLinkedQueue<>();
    try (AgentMonitor m = AgentMonitor.open(h.agentUrl(), "agent", server, 0, notices::add)) {
      assertThat(m.awaitLive(Duration.ofSeconds(10))).isTrue();
      // Does not fit: 10 ports + the host need 11 entries of 8. Nothing of it is written.
      long overflowing = h.apply(policy(9001, 9002, 9003, 9004, 9005, 9006, 9007, 9008, 9009, 9010));
      h.agentApi.awaitRevision(overflowing);
      JsonNode status = status(server);
      assertThat(status.path("error").asText()).contains("policy map overflow").contains("11 entries needed, capacity 8")
          .contains("stays in force");
      assertThat(status.path("policyEntries").asInt()).isEqualTo(2);
      assertThat(NamespaceUdp.echoes(client, serverIp, 9000, 1000)).as("the previous policy is still enforced").isTrue();
      assertThat(NamespaceUdp.echoes(client, serverIp, 9001, 500)).isFalse();
      assertThat(h.agentApi.metric("nodus_agent_policy_map_overflows_total")).isPositive();
      assertThat(h.agentApi.metric("nodus_agent_policy_map_errors")).isEqualTo(1);
      awaitNotice(notices, "endpoint-error");

      List<String> out = new ArrayList<>();
      assertThat(h.cli(out, "datapath", "status", "--agent", h.agentUrl())).as("exit code with an endpoint in error").isEqualTo(1);
      assertThat(String.join("\n", out)).contains(server).contains("policy map overflow").contains("2/8");

      // Back under the limit: written, and the error clears.
      h.agentApi.awaitRevision(h.apply(policy(9001)));
      assertThat(status(server).path("error").asText()).isEmpty();
      assertThat(NamespaceUdp.echoes(client, serverIp, 9001, 1000)).isTrue();
      awaitNotice(notices, "endpoint-recovered");
    }

    // 24 CT entries, about 8 in use: each new UDP flow takes one per endpoint program.
    for (int i = 0; i < 12; i++) {
      NamespaceUdp.echoes(client, serverIp, 9001, 200);
    }
    String metrics = h.agentApi.metrics();
    assertThat(metrics).containsPattern("nodus_datapath_packets_total\\{[^}]*reason=\"CT: Map insertion failed\"[^}]*\\} [1-9]");
    assertThat(metrics).contains("nodus_agent_ct_capacity 24.0");
  }

  @Test
  void datapathCleanRemovesTheNodesDatapathOnceItsAgentIsStopped() throws Exception {
    h = DatapathHarness.start();
    String ep = "cl-" + h.id;
    h.createEndpoint(ep, Map.of("app", "clean-" + h.id));
    h.awaitReady(ep);
    Path pins = Path.of("/sys/fs/bpf/nodus", h.node);
    assertThat(pins.resolve("nodus_policy")).exists();

    List<String> out = new ArrayList<>();
    assertThat(h.cli(out, "datapath", "clean", "--node", h.node, "--agent", h.agentUrl())).as("refused while the agent runs").isNotZero();
    assertThat(String.join("\n", out)).contains("is running");
    assertThat(Path.of("/var/run/netns", ep)).exists();

    h.agent.stop();
    out.clear();
    assertThat(h.cli(out, "datapath", "clean", "--node", h.node, "--agent", h.agentUrl())).isZero();
    assertThat(String.join("\n", out)).contains("removed the datapath of node " + h.node).contains(ep);
    assertThat(Path.of("/var/run/netns", ep)).doesNotExist();
    assertThat(pins).doesNotExist();
  }

  private String policy(int... ports) {
    StringBuilder p = new StringBuilder();
    for (int port : ports) {
      p.append("      - port: \"").append(port).append("\"\n        protocol: UDP\n");
    }
    return """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: limits-%1$s
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
        %2$s""".formatted(h.id, p);
  }

  private JsonNode status(String endpoint) throws Exception {
    for (JsonNode e : h.agentApi.endpoints()) {
      if (e.path("name").asText().equals(endpoint)) {
        return e;
      }
    }
    throw new AssertionError("no status for " + endpoint);
  }

  private static void awaitNotice(ConcurrentLinkedQueue<JsonNode> q, String subtype) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (q.stream().noneMatch(n -> n.path("subtype").asText().equals(subtype)) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(q).anyMatch(n -> n.path("subtype").asText().equals(subtype));
  }
}
