package io.nodus.ops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.ops.client.AgentMonitor;
import io.nodus.ops.demo.NamespaceTraffic;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The datapath through real processes: a client and a server endpoint under a policy that
 * enforces both directions. A continuous UDP stream loses nothing while the agent is killed and
 * restarted; the monitor filters by type, endpoint and identity, names the matching rule and the
 * labels, and turns tracing on only while a session asks for it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatapathRestartE2ETest {
  private static final int UDP_PORT = 7000;
  private static final int TCP_PORT = 8080;

  private DatapathHarness h;
  private String client;
  private String server;
  private JsonNode clientEp;
  private JsonNode serverEp;

  @BeforeAll
  void start() throws Exception {
    h = DatapathHarness.start();
    client = "rc-" + h.id;
    server = "rs-" + h.id;
    h.createEndpoint(client, Map.of("app", "client-" + h.id));
    h.createEndpoint(server, Map.of("app", "server-" + h.id));
    Map<String, JsonNode> ready = h.awaitReady(Set.of(client, server), Duration.ofSeconds(60));
    clientEp = ready.get(client);
    serverEp = ready.get(server);
    long rev = h.apply("""
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
                protocol: UDP
              - port: "%3$d"
                protocol: TCP
        """.formatted(h.id, UDP_PORT, TCP_PORT));
    rev = Math.max(rev, h.apply("""
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: client-out-%1$s
        spec:
          endpointSelector:
            matchLabels:
              app: client-%1$s
          egress:
          - toEndpoints:
            - matchLabels:
                app: server-%1$s
            toPorts:
            - ports:
              - port: "%2$d"
                protocol: UDP
              - port: "%3$d"
                protocol: TCP
        """.formatted(h.id, UDP_PORT, TCP_PORT)));
    h.agentApi.awaitRevision(rev);
    h.closeLater(NamespaceTraffic.Server.start(server, TCP_PORT, "hello"));
  }

  @AfterAll
  void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  private String serverIp() {
    return serverEp.path("ipv4").asText();
  }

  @Test
  void aUdpStreamLosesNoDatagramWhileTheAgentIsKilledAndRestarted() throws Exception {
    try (NamespaceUdp.Counter counter = new NamespaceUdp.Counter(server, UDP_PORT);
         NamespaceUdp.Stream stream = new NamespaceUdp.Stream(client, serverIp(), UDP_PORT, 2000)) {
      awaitSent(stream, 1000);
      h.agent.kill();
      int sentWhileDown = stream.sent();
      h.agent = h.startAgent();
      h.agentApi.awaitRevision(h.rest.get("/v1/cluster").revision());
      awaitSent(stream, stream.sent() + 2000);
      int sent = stream.stop();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (counter.received() < sent && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(sent).isGreaterThan(sentWhileDown + 2000);
      assertThat(counter.received()).as("datagrams received of %d sent", sent).isEqualTo(sent);
    }
    // The restarted agent found its maps complete: it wrote no policy or endpoint entry.
    assertThat(h.agentApi.metric("nodus_agent_map_writes_total{map=\"policy\"}")).isZero();
    assertThat(h.agentApi.metric("nodus_agent_map_writes_total{map=\"endpoints\"}")).isZero();
    assertThat(NamespaceUdp.echoes(client, serverIp(), UDP_PORT + 1, 500)).as("enforcement continues").isFalse();
  }

  @Test
  void theMonitorFiltersByTypeEndpointAndIdentityAndShowsTheMatchingRule() throws Exception {
    ConcurrentLinkedQueue<JsonNode> verdicts = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<JsonNode> drops = new ConcurrentLinkedQueue<>();
    int clientIdentity = clientEp.path("identity").asInt();
    try (AgentMonitor v = AgentMonitor.open(h.agentUrl(), "verdict", server, 0, verdicts::add);
         AgentMonitor d = AgentMonitor.open(h.agentUrl(), "drop", null, clientIdentity, drops::add)) {
      assertThat(v.awaitLive(Duration.ofSeconds(10))).isTrue();
      assertThat(d.awaitLive(Duration.ofSeconds(10))).isTrue();
      assertThat(NamespaceTraffic.connect(client, serverIp(), TCP_PORT, Duration.ofSeconds(2)).connected()).isTrue();
      assertThat(NamespaceTraffic.connect(client, serverIp(), TCP_PORT + 1, Duration.ofSeconds(1)).connected()).isFalse();

      JsonNode verdict = await(verdicts, n -> n.path("destinationPort").asInt() == TCP_PORT);
      assertThat(verdict.path("endpoint").asText()).isEqualTo(server);
      assertThat(verdict.path("direction").asText()).isEqualTo("ingress");
      assertThat(verdict.path("match").asText()).isEqualTo("L3-L4");
      assertThat(verdict.path("matchIdentity").asInt()).isEqualTo(clientIdentity);
      assertThat(verdict.path("matchPorts").asText()).isEqualTo(Integer.toString(TCP_PORT));
      assertThat(verdict.path("sourceLabels").toString()).contains("k8s:app=client-" + h.id);
      assertThat(verdicts).allMatch(n -> n.path("endpoint").asText().equals(server) && n.path("type").asText().equals("verdict"));

      // The client's own egress program drops the second SYN: its drop names the client identity.
      JsonNode drop = await(drops, n -> n.path("destinationPort").asInt() == TCP_PORT + 1);
      assertThat(drop.path("reason").asText()).isEqualTo("Policy denied");
      assertThat(drop.path("endpoint").asText()).isEqualTo(client);
      assertThat(drop.path("destinationLabels").toString()).contains("k8s:app=server-" + h.id);
      assertThat(drops).allMatch(n -> n.path("sourceIdentity").asInt() == clientIdentity
          || n.path("destinationIdentity").asInt() == clientIdentity);
    }

    // Traces exist only while a session asks for them, for the endpoint it names.
    ConcurrentLinkedQueue<JsonNode> traces = new ConcurrentLinkedQueue<>();
    try (AgentMonitor t = AgentMonitor.open(h.agentUrl(), "trace", client, 0, traces::add)) {
      assertThat(t.awaitLive(Duration.ofSeconds(10))).isTrue();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (traces.isEmpty() && System.nanoTime() < deadline) {
        NamespaceTraffic.connect(client, serverIp(), TCP_PORT, Duration.ofSeconds(2));
        Thread.sleep(100);
      }
      assertThat(traces).isNotEmpty().allMatch(n -> n.path("endpoint").asText().equals(client));
      assertThat(traces).anyMatch(n -> n.path("reason").asText().equals("from-endpoint"));
      assertThat(endpointTrace(client)).isTrue();
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (endpointTrace(client) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(endpointTrace(client)).as("tracing ends with the session").isFalse();
  }

  private boolean endpointTrace(String name) throws Exception {
    for (JsonNode e : h.agentApi.endpoints()) {
      if (e.path("name").asText().equals(name)) {
        return e.path("trace").asBoolean();
      }
    }
    throw new AssertionError("no status for " + name);
  }

  private static void awaitSent(NamespaceUdp.Stream stream, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (stream.sent() < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private static JsonNode await(ConcurrentLinkedQueue<JsonNode> q, java.util.function.Predicate<JsonNode> p) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonNode n : q) {
        if (p.test(n)) {
          return n;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no matching record; saw " + q);
  }
}
