package io.nodus.ops.bench.datapath;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodus.agent.plumbing.DatapathCleaner;
import io.nodus.ops.client.RestClient;
import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.ConfigureCluster;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Policy propagation with {@code endpoints} real endpoints on one node: a controller and an agent
 * as separate processes (as deployed), endpoints created through the REST API and plumbed by the
 * agent, a base policy giving every endpoint entries, then policy changes one at a time, each
 * selecting one endpoint and writing 100 entries. For each change: the time from the REST call's
 * acknowledgement (and from the request) to the agent having written the map entries, which the
 * agent reports as the end of the pass that applied the change's revision ({@code /v1/sync}).
 */
final class Propagation implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The measured delays in microseconds, and how many changes were written before their ack. */
  record Result(List<Long> ackToWrittenMicros, List<Long> requestToWrittenMicros, int writtenBeforeAck, int entriesPerChange) {}

  private final String suffix;
  private final Path work;
  private final List<Process> processes = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private String node;

  Propagation(String suffix) throws IOException {
    this.suffix = suffix;
    this.work = Files.createTempDirectory("nodus-bench-prop-");
  }

  Result run(int endpoints, int changes) throws Exception {
    int restPort = freePort();
    int grpcPort = freePort();
    int raftPort = freePort();
    int agentPort = freePort();
    node = "bench-" + suffix;
    start("controller", "controller ready", "controller", "--id", "c1", "--data-dir", work.resolve("data").toString(),
        "--peers", "c1=127.0.0.1:" + raftPort, "--grpc", "127.0.0.1:" + grpcPort, "--rest", "127.0.0.1:" + restPort);
    try (GrpcControlPlaneClient c = GrpcControlPlaneClient.connect(List.of("127.0.0.1:" + grpcPort))) {
      // A /21 per node: room for 2,045 endpoints.
      var config = ClusterImage.DEFAULT_CONFIG.toBuilder().setNodeCidrPrefix(21).build();
      var r = c.submit(Command.newBuilder().setRequestId("bench-config-" + suffix)
          .setConfigureCluster(ConfigureCluster.newBuilder().setConfig(config)).build());
      if (r.hasRejection()) {
        throw new IllegalStateException("cluster configuration refused: " + r.getRejection().getMessage());
      }
    }
    start("agent", "agent ready", "agent", "--node", node, "--controllers", "127.0.0.1:" + grpcPort, "--api",
        "127.0.0.1:" + agentPort);
    RestClient rest = new RestClient("http://127.0.0.1:" + restPort);
    String agent = "http://127.0.0.1:" + agentPort;

    String tier = "tier-" + suffix;
    Set<String> names = new HashSet<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < endpoints; i++) {
      String name = "p" + suffix + "-" + i;
      names.add(name);
      rest.post("/v1/endpoints", "application/json", JSON.writeValueAsString(
          Map.of("name", name, "node", node, "labels", Map.of("app", name, tier, Integer.toString(i % 10)))));
    }
    rest.post("/v1/policies", "application/yaml", """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: base-%1$s
        spec:
          endpointSelector:
            matchExpressions:
            - key: %2$s
              operator: Exists
          ingress:
          - fromEndpoints:
            - matchLabels:
                %2$s: "0"
            toPorts:
            - ports:
              - port: "80"
                protocol: TCP
        """.formatted(suffix, tier));
    awaitReady(rest, names, Duration.ofMinutes(10));
    System.err.printf("  %d endpoints ready in %.0f s%n", endpoints, (System.nanoTime() - t0) / 1e9);
    sync(agent, rest.get("/v1/cluster").revision());

    List<Long> ack = new ArrayList<>();
    List<Long> request = new ArrayList<>();
    int before = 0;
    for (int i = 0; i < changes; i++) {
      String target = "p" + suffix + "-" + (i * 7 % endpoints);
      String yaml = """
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata:
            name: change-%1$s-%2$d
          spec:
            endpointSelector:
              matchLabels:
                app: %3$s
            ingress:
            - fromEndpoints:
              - matchLabels:
                  %4$s: "0"
              toPorts:
              - ports:
                - port: "%5$d"
                  protocol: TCP
          """.formatted(suffix, i, target, tier, 2000 + i);
      Instant sent = Instant.now();
      RestClient.Reply reply = rest.post("/v1/policies", "application/yaml", yaml);
      Instant acked = Instant.now();
      long written = sync(agent, reply.revision());
      long fromAck = written - micros(acked);
      before += fromAck < 0 ? 1 : 0;
      ack.add(Math.max(0, fromAck));
      request.add(written - micros(sent));
    }
    return new Result(ack, request, before, 100);
  }

  private static long micros(Instant t) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, t);
  }

  private long sync(String agent, long revision) throws Exception {
    return JSON.readTree(get(agent + "/v1/sync?revision=" + revision + "&timeoutMs=60000")).path("writtenAtMicros").asLong();
  }

  private String get(String url) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  private static void awaitReady(RestClient rest, Set<String> names, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      int ready = 0;
      for (JsonNode e : rest.get("/v1/endpoints").json()) {
        if (names.contains(e.path("name").asText()) && e.path("state").asText().equals("ready")) {
          ready++;
        }
      }
      if (ready == names.size()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("endpoints not ready within " + timeout);
  }

  private void start(String name, String readyLine, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx1g", "-cp",
        System.getProperty("java.class.path"), "io.nodus.ops.Main"));
    cmd.addAll(List.of(args));
    Path log = work.resolve(name + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    processes.add(p);
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!Files.readString(log).contains(readyLine)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " did not start; log " + log + ":\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly();
      p.waitFor();
    }
    if (node != null) {
      DatapathCleaner.clean(node, Path.of("/sys/fs/bpf/nodus", node));
    }
    try (Stream<Path> w = Files.walk(work)) {
      for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
