package io.nodus.ops.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.ops.cli.ClientOptions;
import io.nodus.ops.client.AgentMonitor;
import io.nodus.ops.client.CliException;
import io.nodus.ops.client.RestClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nodus demo}: a client and a server workload, a policy that lets the client reach the
 * server on TCP 80 only, one allowed and one dropped connection with the drop as the monitor
 * shows it, then everything it made is removed again, also when a step fails.
 */
@Command(name = "demo", description = "A guided, self-cleaning tour: one allowed and one dropped connection.")
public final class DemoCommand implements Callable<Integer> {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  @Mixin ClientOptions client;

  @Option(names = "--agent", description = "The local agent's API (default: ${DEFAULT-VALUE}).",
      defaultValue = "${env:NODUS_AGENT:-http://127.0.0.1:9403}")
  String agent;

  @Option(names = "--node", description = "Node to run the workloads on (default: the only node).")
  String node;

  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    RestClient rest = client.rest();
    String id = HexFormat.of().formatHex(new byte[] {(byte) ThreadLocalRandom.current().nextInt(), (byte) ThreadLocalRandom.current().nextInt()});
    String clientName = "demo-client-" + id;
    String serverName = "demo-server-" + id;
    String policyName = "demo-allow-80-" + id;
    System.out.println("Nodus demo: identity-based policy, enforced by BPF in the kernel");
    try {
      JsonNode cluster = rest.get("/v1/cluster").json();
      String target = node != null ? node : onlyNode(rest);
      step(1, "cluster: leader %s, revision %d; workloads go on node %s", cluster.path("leader").asText(),
          cluster.path("revision").asLong(), target);

      step(2, "creating endpoints %s (app=demo-client) and %s (app=demo-server)", clientName, serverName);
      cleanup.add(() -> deleteEndpoint(rest, clientName));
      cleanup.add(() -> deleteEndpoint(rest, serverName));
      createEndpoint(rest, clientName, target, "demo-client", id);
      createEndpoint(rest, serverName, target, "demo-server", id);
      JsonNode c = waitReady(rest, clientName);
      JsonNode s = waitReady(rest, serverName);
      detail("%-22s %-12s identity %d", clientName, c.path("ipv4").asText(), c.path("identity").asInt());
      detail("%-22s %-12s identity %d", serverName, s.path("ipv4").asText(), s.path("identity").asInt());
      String serverIp = s.path("ipv4").asText();

      step(3, "%s serves TCP 80 and 8080", serverName);
      cleanup.add(NamespaceTraffic.Server.start(serverName, 80, "hello from " + serverName + ":80"));
      cleanup.add(NamespaceTraffic.Server.start(serverName, 8080, "hello from " + serverName + ":8080"));

      step(4, "no policy selects the server yet, so every connection is allowed:");
      probe(clientName, serverIp, 80);
      probe(clientName, serverIp, 8080);

      ConcurrentLinkedQueue<JsonNode> drops = new ConcurrentLinkedQueue<>();
      AgentMonitor monitor = AgentMonitor.open(agent, "drop", n -> {
        if (n.path("destination").asText().equals(serverIp)) {
          drops.add(n);
        }
      });
      cleanup.add(monitor);
      monitor.awaitLive(Duration.ofSeconds(5));

      String yaml = policy(policyName, id);
      step(5, "applying policy %s: only app=demo-client may reach app=demo-server, on TCP 80", policyName);
      cleanup.add(() -> deletePolicy(rest, policyName));
      yaml.lines().forEach(l -> detail("%s", l));
      RestClient.Reply applied = rest.post("/v1/policies", "application/yaml", yaml);
      waitAgentRevision(applied.revision());

      step(6, "with the policy in force:");
      boolean allowed = probe(clientName, serverIp, 80);
      boolean dropped = !probe(clientName, serverIp, 8080);
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (drops.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      if (!drops.isEmpty()) {
        detail("`nodus monitor` reported the drop:");
        AgentMonitor.record(drops.peek()).toHumanLine().lines().forEach(l -> detail("  %s", l));
      }
      if (!allowed || !dropped || drops.isEmpty()) {
        throw new CliException("the demo did not see what it expected (port 80 allowed: " + allowed + ", port 8080 dropped: "
            + dropped + ", drop event: " + !drops.isEmpty() + ")");
      }
      return 0;
    } finally {
      step(7, "cleaning up the policy, endpoints and namespaces");
      for (int i = cleanup.size() - 1; i >= 0; i--) {
        try {
          cleanup.get(i).close();
        } catch (Exception e) {
          System.err.println("  cleanup step failed: " + e.getMessage());
        }
      }
      waitGone(clientName);
      waitGone(serverName);
      System.out.println("done.");
    }
  }

  private static void step(int n, String format, Object... args) {
    System.out.printf("[" + n + "/7] " + format + "%n", args);
  }

  private static void detail(String format, Object... args) {
    System.out.printf("      " + format + "%n", args);
  }

  private static boolean probe(String from, String ip, int port) throws Exception {
    NamespaceTraffic.Probe p = NamespaceTraffic.connect(from, ip, port, PROBE_TIMEOUT);
    String what = switch (p.result()) {
      case CONNECTED -> "connected (\"" + p.greeting() + "\")";
      case TIMED_OUT -> "dropped: no answer within " + PROBE_TIMEOUT.toSeconds() + "s";
      case REFUSED -> "refused";
    };
    detail("client -> server:%-5d %s", port, what);
    return p.connected();
  }

  private static String onlyNode(RestClient rest) {
    JsonNode nodes = rest.get("/v1/nodes").json();
    if (nodes.size() != 1) {
      throw new CliException(nodes.isEmpty() ? "no node is registered: start `./nodus up` first" : "several nodes: choose one with --node");
    }
    return nodes.get(0).path("name").asText();
  }

  private static void createEndpoint(RestClient rest, String name, String node, String app, String id) {
    rest.post("/v1/endpoints", "application/json",
        "{\"name\":\"" + name + "\",\"node\":\"" + node + "\",\"labels\":{\"app\":\"" + app + "\",\"demo\":\"" + id + "\"}}");
  }

  private static JsonNode waitReady(RestClient rest, String name) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      JsonNode ep = rest.get("/v1/endpoints/" + name).json();
      if (ep.path("state").asText().equals("ready")) {
        return ep;
      }
      if (System.nanoTime() > deadline) {
        throw new CliException("endpoint " + name + " did not become ready within 60s: is the agent running?");
      }
      Thread.sleep(100);
    }
  }

  static String policy(String name, String id) {
    return """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: %s
        spec:
          endpointSelector:
            matchLabels:
              app: demo-server
              demo: "%s"
          ingress:
          - fromEndpoints:
            - matchLabels:
                app: demo-client
                demo: "%s"
            toPorts:
            - ports:
              - port: "80"
                protocol: TCP
        """.formatted(name, id, id);
  }

  /** Waits until the local agent has written the maps for {@code revision}. */
  private void waitAgentRevision(long revision) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(agent + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
      long applied = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("revision").asLong();
      if (applied >= revision) {
        return;
      }
      Thread.sleep(50);
    }
    throw new CliException("the agent did not apply revision " + revision + " within 30s");
  }

  private static void deleteEndpoint(RestClient rest, String name) {
    try {
      rest.delete("/v1/endpoints/" + name);
    } catch (CliException e) {
      if (!e.getMessage().contains("[not_found]")) {
        throw e;
      }
    }
  }

  private static void deletePolicy(RestClient rest, String name) {
    try {
      rest.delete("/v1/policies/default/" + name);
    } catch (CliException e) {
      if (!e.getMessage().contains("[not_found]")) {
        throw e;
      }
    }
  }

  /** Waits (briefly) for the local agent to remove an endpoint's namespace. */
  private static void waitGone(String netns) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (Files.exists(Path.of("/var/run/netns", netns)) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
  }
}
