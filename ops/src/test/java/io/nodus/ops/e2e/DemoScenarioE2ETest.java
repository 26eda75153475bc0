package io.nodus.ops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.ops.client.AgentMonitor;
import io.nodus.ops.client.RestClient;
import io.nodus.ops.demo.NamespaceTraffic;
import io.nodus.ops.demo.NamespaceTraffic.Probe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The demo's scenario against real processes: a controller and an agent as separate JVMs, real
 * namespaces, veths and BPF programs, real TCP. Then the agent is killed and restarted, and the
 * controller is restarted, while enforcement is checked all along.
 */
class DemoScenarioE2ETest {
  private static final Duration DROP_TIMEOUT = Duration.ofSeconds(2);
  private static final Path LOGS = Path.of("target", "e2e-logs");

  private final String id = TestHost.uniqueId();
  private final String node = "e2e-" + id;
  private final String client = "c-" + id;
  private final String server = "s-" + id;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private Path dataDir;
  private NodusProcess controller;
  private NodusProcess agent;
  private int restPort;
  private int grpcPort;
  private int raftPort;
  private int agentPort;
  private RestClient rest;

  @BeforeEach
  void start() throws Exception {
    dataDir = Files.createTempDirectory("nodus-e2e-");
    restPort = TestHost.freePort();
    grpcPort = TestHost.freePort();
    raftPort = TestHost.freePort();
    agentPort = TestHost.freePort();
    controller = startController();
    agent = startAgent();
    rest = new RestClient("http://127.0.0.1:" + restPort);
  }

  private NodusProcess startController() throws Exception {
    return NodusProcess.start(LOGS.resolve(id), "controller", "controller ready", "controller", "--id", "c1",
        "--data-dir", dataDir.toString(), "--peers", "c1=127.0.0.1:" + raftPort,
        "--grpc", "127.0.0.1:" + grpcPort, "--rest", "127.0.0.1:" + restPort).awaitReady(Duration.ofSeconds(60));
  }

  private NodusProcess startAgent() throws Exception {
    return NodusProcess.start(LOGS.resolve(id), "agent", "agent ready", "agent", "--node", node,
        "--controllers", "127.0.0.1:" + grpcPort, "--api", "127.0.0.1:" + agentPort).awaitReady(Duration.ofSeconds(60));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        // Keep tearing down.
      }
    }
    if (controller != null) {
      controller.close();
    }
    if (agent != null) {
      agent.close();
    }
    TestHost.cleanNode(node, List.of(client, server));
    TestHost.deleteTree(dataDir);
  }

  @Test
  void policyAllowsOnePortDropsTheOtherAndSurvivesRestarts() throws Exception {
    AgentApi agentApi = new AgentApi("http://127.0.0.1:" + agentPort);
    createEndpoint(client, "app=client");
    createEndpoint(server, "app=server");
    JsonNode c = waitReady(client);
    JsonNode s = waitReady(server);
    String serverIp = s.path("ipv4").asText();
    closeables.add(NamespaceTraffic.Server.start(server, 80, "eighty"));
    closeables.add(NamespaceTraffic.Server.start(server, 8080, "eighty-eighty"));

    // No policy selects the server: everything is allowed.
    assertThat(probe(serverIp, 80).greeting()).isEqualTo("eighty");
    assertThat(probe(serverIp, 8080).greeting()).isEqualTo("eighty-eighty");

    ConcurrentLinkedQueue<JsonNode> drops = new ConcurrentLinkedQueue<>();
    AgentMonitor monitor = AgentMonitor.open(agentApi.url(), "drop", drops::add);
    closeables.add(monitor);
    assertThat(monitor.awaitLive(Duration.ofSeconds(10))).isTrue();

    long applied = applyPolicy();
    agentApi.awaitRevision(applied);
    assertThat(probe(serverIp, 80).connected()).isTrue();
    assertThat(probe(serverIp, 8080).result()).isEqualTo(Probe.Result.TIMED_OUT);
    JsonNode drop = awaitDrop(drops, serverIp, 8080);
    assertThat(drop.path("reason").asText()).isEqualTo("Policy denied");
    assertThat(drop.path("direction").asText()).isEqualTo("ingress");
    assertThat(drop.path("source").asText()).isEqualTo(c.path("ipv4").asText());
    assertThat(drop.path("sourceIdentity").asInt()).isEqualTo(c.path("identity").asInt());
    assertThat(drop.path("destinationIdentity").asInt()).isEqualTo(s.path("identity").asInt());
    assertThat(texts(drop.path("sourceLabels"))).contains("k8s:app=client");
    assertThat(texts(drop.path("destinationLabels"))).contains("k8s:app=server");

    // Deleting the policy: nothing selects the server any more, so 8080 connects again.
    long deleted = rest.delete("/v1/policies/default/allow-80-" + id).revision();
    agentApi.awaitRevision(deleted);
    assertThat(probe(serverIp, 8080).connected()).isTrue();

    // Applying it again drops again.
    long reapplied = applyPolicy();
    agentApi.awaitRevision(reapplied);
    assertThat(probe(serverIp, 8080).result()).isEqualTo(Probe.Result.TIMED_OUT);

    assertThat(agentApi.metric("nodus_agent_map_writes_total{map=\"policy\"}")).isPositive();

    // With the agent gone, enforcement goes on from the pinned maps and attached programs.
    agent.kill();
    assertThat(probe(serverIp, 80).connected()).isTrue();
    assertThat(probe(serverIp, 8080).result()).isEqualTo(Probe.Result.TIMED_OUT);

    // A new agent picks the pinned maps back up: it finds them complete and writes nothing.
    agent = startAgent();
    agentApi.awaitRevision(reapplied);
    assertThat(agentApi.metric("nodus_agent_map_writes_total{map=\"policy\"}")).isZero();
    assertThat(agentApi.metric("nodus_agent_map_writes_total{map=\"endpoints\"}")).isZero();
    assertThat(probe(serverIp, 80).connected()).isTrue();
    assertThat(probe(serverIp, 8080).result()).isEqualTo(Probe.Result.TIMED_OUT);

    // A controller restart keeps policies, identities and endpoints.
    JsonNode before = stateSummary();
    controller.stop();
    controller = startController();
    assertThat(stateSummary()).isEqualTo(before);
    assertThat(probe(serverIp, 8080).result()).isEqualTo(Probe.Result.TIMED_OUT);

    // Deleting the endpoints removes their namespaces and veths.
    rest.delete("/v1/endpoints/" + client);
    rest.delete("/v1/endpoints/" + server);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while ((Files.exists(Path.of("/var/run/netns", client)) || Files.exists(Path.of("/var/run/netns", server)))
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(Path.of("/var/run/netns", client)).doesNotExist();
    assertThat(Path.of("/var/run/netns", server)).doesNotExist();
  }

  private Probe probe(String ip, int port) throws Exception {
    return NamespaceTraffic.connect(client, ip, port, DROP_TIMEOUT);
  }

  private void createEndpoint(String name, String label) {
    String[] kv = label.split("=");
    rest.post("/v1/endpoints", "application/json",
        "{\"name\":\"" + name + "\",\"node\":\"" + node + "\",\"labels\":{\"" + kv[0] + "\":\"" + kv[1] + "\"}}");
  }

  private JsonNode waitReady(String name) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode ep = rest.get("/v1/endpoints/" + name).json();
      if (ep.path("state").asText().equals("ready")) {
        return ep;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("endpoint " + name + " not ready; agent output:\n" + String.join("\n", agent.tail(40)));
  }

  private long applyPolicy() {
    String yaml = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: allow-80-%s
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
        """.formatted(id);
    return rest.post("/v1/policies", "application/yaml", yaml).revision();
  }

  private static JsonNode awaitDrop(ConcurrentLinkedQueue<JsonNode> drops, String ip, int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      for (JsonNode d : drops) {
        if (d.path("destination").asText().equals(ip) && d.path("destinationPort").asInt() == port) {
          return d;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no drop event for " + ip + ":" + port + "; saw " + drops);
  }

  private JsonNode stateSummary() {
    com.fasterxml.jackson.databind.node.ObjectNode o = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    o.set("policies", rest.get("/v1/policies").json());
    o.set("identities", rest.get("/v1/identities").json());
    o.set("endpoints", rest.get("/v1/endpoints").json());
    return o;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
