package io.nodus.ops.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodus.ops.client.RestClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One controller and one agent as separate JVMs for the datapath's end-to-end tests, with the
 * REST client, the agent's API and helpers to create endpoints and apply policies. Every name
 * carries a random suffix; {@link #close()} stops the processes and removes every namespace,
 * veth, pin and directory the node may have created, even after a failure.
 */
final class DatapathHarness implements AutoCloseable {
  static final Path LOGS = Path.of("target", "e2e-logs");
  private static final ObjectMapper JSON = new ObjectMapper();

  final String id = TestHost.uniqueId();
  final String node = "dp-" + id;
  final RestClient rest;
  final AgentApi agentApi;
  private final Path dataDir;
  private final int restPort;
  private final int grpcPort;
  private final int raftPort;
  private final int agentPort;
  private final List<String> agentArgs;
  private final List<String> endpoints = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<Path> extraDataDirs = new ArrayList<>();
  NodusProcess controller;
  NodusProcess agent;

  private DatapathHarness(List<String> agentArgs) throws Exception {
    this.agentArgs = List.copyOf(agentArgs);
    dataDir = Files.createTempDirectory("nodus-dp-e2e-");
    restPort = TestHost.freePort();
    grpcPort = TestHost.freePort();
    raftPort = TestHost.freePort();
    agentPort = TestHost.freePort();
    rest = new RestClient("http://127.0.0.1:" + restPort);
    agentApi = new AgentApi("http://127.0.0.1:" + agentPort);
  }

  /** Starts a controller and an agent; {@code agentArgs} are extra `nodus agent` options. */
  static DatapathHarness start(String... agentArgs) throws Exception {
    return start(0, agentArgs);
  }

  /**
   * As {@link #start(String...)}, first giving every node a pod CIDR of {@code nodePrefix} bits
   * (0: the cluster default, a /24) so that more than 253 endpoints fit on the node.
   */
  static DatapathHarness start(int nodePrefix, String... agentArgs) throws Exception {
    return startNamed(nodePrefix, null, agentArgs);
  }

  /** As {@link #start(int, String...)}, also naming the cluster (null: the default name). */
  static DatapathHarness startNamed(int nodePrefix, String clusterName, String... agentArgs) throws Exception {
    DatapathHarness h = new DatapathHarness(List.of(agentArgs));
    try {
      h.controller = h.startController(h.dataDir);
      if (nodePrefix > 0 || clusterName != null) {
        h.configure(nodePrefix, clusterName);
      }
      h.agent = h.startAgent();
      return h;
    } catch (Exception | Error e) {
      h.close();
      throw e;
    }
  }

  /** Sets the node CIDR size and cluster name while no node exists yet (the REST API does not expose them). */
  private void configure(int prefix, String clusterName) {
    try (io.nodus.raft.client.GrpcControlPlaneClient c = io.nodus.raft.client.GrpcControlPlaneClient.connect(
        List.of("127.0.0.1:" + grpcPort))) {
      var config = io.nodus.state.image.ClusterImage.DEFAULT_CONFIG.toBuilder();
      if (prefix > 0) {
        config.setNodeCidrPrefix(prefix);
      }
      if (clusterName != null) {
        config.setClusterName(clusterName);
      }
      var result = c.submit(io.nodus.state.proto.Command.newBuilder().setRequestId("configure-" + id)
          .setConfigureCluster(io.nodus.state.proto.ConfigureCluster.newBuilder().setConfig(config.build())).build());
      if (result.hasRejection()) {
        throw new IllegalStateException("cluster configuration refused: " + result.getRejection().getMessage());
      }
    }
  }

  /**
   * Starts a controller at this harness's addresses, on {@code dir} (the first one's, or a new
   * one: a new cluster), with extra `nodus controller` options; waits until it is ready.
   */
  NodusProcess startController(Path dir, String... extraArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("controller", "--id", "c1", "--data-dir", dir.toString(),
        "--peers", "c1=127.0.0.1:" + raftPort, "--grpc", "127.0.0.1:" + grpcPort, "--rest", "127.0.0.1:" + restPort));
    args.addAll(List.of(extraArgs));
    return NodusProcess.start(LOGS.resolve(id), "controller", "controller ready", args.toArray(String[]::new))
        .awaitReady(Duration.ofSeconds(60));
  }

  /** The first controller's data directory. */
  Path dataDir() {
    return dataDir;
  }

  /** A new, empty controller data directory, removed by {@link #close()}. */
  Path newDataDir() throws java.io.IOException {
    Path dir = Files.createTempDirectory("nodus-dp-e2e-");
    extraDataDirs.add(dir);
    return dir;
  }

  /** The controllers' gRPC address as agents are given it. */
  String grpcAddress() {
    return "127.0.0.1:" + grpcPort;
  }

  NodusProcess startAgent(String... extraArgs) throws Exception {
    List<String> args = new ArrayList<>(List.of("agent", "--node", node, "--controllers", "127.0.0.1:" + grpcPort,
        "--api", "127.0.0.1:" + agentPort));
    args.addAll(agentArgs);
    args.addAll(List.of(extraArgs));
    return NodusProcess.start(LOGS.resolve(id), "agent", "agent ready", args.toArray(String[]::new)).awaitReady(Duration.ofSeconds(90));
  }

  /** Runs `nodus ARGS...` to completion; returns its exit code (output in {@code out}). */
  int cli(List<String> out, String... args) throws Exception {
    NodusProcess p = NodusProcess.start(LOGS.resolve(id), "cli-" + args[0], null, args);
    int code = p.waitFor(Duration.ofSeconds(60));
    out.addAll(p.output());
    return code;
  }

  String agentUrl() {
    return agentApi.url();
  }

  <T extends AutoCloseable> T closeLater(T c) {
    closeables.add(c);
    return c;
  }

  /** Asks for an endpoint on this node (its network namespace is named {@code name}). */
  void createEndpoint(String name, Map<String, String> labels) throws Exception {
    createEndpoint(name, "default", labels);
  }

  /** As {@link #createEndpoint(String, Map)}, in policy namespace {@code namespace}. */
  void createEndpoint(String name, String namespace, Map<String, String> labels) throws Exception {
    endpoints.add(name);
    rest.post("/v1/endpoints", "application/json",
        JSON.writeValueAsString(Map.of("name", name, "node", node, "namespace", namespace, "labels", labels)));
  }

  /** Waits until every named endpoint is ready; returns them by name. */
  Map<String, JsonNode> awaitReady(Set<String> names, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<String> waiting = new HashSet<>(names);
    Map<String, JsonNode> ready = new java.util.HashMap<>();
    while (true) {
      for (JsonNode ep : rest.get("/v1/endpoints").json()) {
        String n = ep.path("name").asText();
        if (waiting.contains(n) && ep.path("state").asText().equals("ready")) {
          ready.put(n, ep);
          waiting.remove(n);
        }
      }
      if (waiting.isEmpty()) {
        return ready;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(waiting.size() + " endpoints not ready, e.g. " + waiting.iterator().next()
            + "; agent output:\n" + String.join("\n", agent.tail(30)));
      }
      Thread.sleep(200);
    }
  }

  JsonNode awaitReady(String name) throws Exception {
    return awaitReady(Set.of(name), Duration.ofSeconds(60)).get(name);
  }

  /** Deletes an endpoint (its plumbing goes once the agent sees it). */
  long deleteEndpoint(String name) {
    return rest.delete("/v1/endpoints/" + name).revision();
  }

  /** Applies a policy document (YAML); returns the revision it committed at. */
  long apply(String yaml) {
    return rest.post("/v1/policies", "application/yaml", yaml).revision();
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        // Keep tearing down.
      }
    }
    if (agent != null) {
      agent.close();
    }
    if (controller != null) {
      controller.close();
    }
    TestHost.cleanNode(node, endpoints);
    TestHost.deleteTree(dataDir);
    extraDataDirs.forEach(TestHost::deleteTree);
  }
}
