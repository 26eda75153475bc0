package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodus.agent.AgentConfig;
import io.nodus.agent.plumbing.DatapathCleaner;
import io.nodus.ops.client.CliException;
import io.nodus.ops.client.Table;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nodus datapath}: the node's datapath as its agent holds it, and its removal. */
@Command(name = "datapath", description = "The BPF datapath of this node.",
    subcommands = {DatapathCommand.Status.class, DatapathCommand.Clean.class})
public final class DatapathCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode get(String agent, String path) {
    try {
      HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build()
          .send(HttpRequest.newBuilder(URI.create(agent + path)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new CliException("the agent at " + agent + " answered HTTP " + r.statusCode() + ": " + r.body());
      }
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new CliException("cannot reach the node agent at " + agent + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }

  /**
   * {@code nodus datapath status}: how the node stands with the control plane, the log position
   * its maps reflect, and every local endpoint's maps, capacity and errors. Exits 1 when an
   * endpoint's maps are in error or the control plane is stale or unavailable.
   */
  @Command(name = "status", description = {"The control plane as this node's agent sees it (following, stale, behind, "
      + "unavailable), the log revision its maps reflect, and the policy map entries, capacity and errors of every endpoint.",
      "Exit code 1 when an endpoint is in error or the control plane is stale or unavailable."})
  static final class Status implements Callable<Integer> {
    @Option(names = "--agent", description = "The local agent's API (default: ${DEFAULT-VALUE}).",
        defaultValue = "${env:NODUS_AGENT:-http://127.0.0.1:9403}")
    String agent;

    @Option(names = {"-o", "--output"}, description = "table or json.", defaultValue = "table")
    ClientOptions.Output output;

    @Override
    public Integer call() {
      JsonNode status = get(agent, "/v1/status");
      JsonNode endpoints = get(agent, "/v1/endpoints");
      JsonNode controlPlane = status.path("controlPlane");
      boolean alarm = status.path("status").asText().equals("degraded");
      int errors = 0;
      for (JsonNode e : endpoints) {
        errors += e.path("error").asText().isEmpty() ? 0 : 1;
      }
      if (output == ClientOptions.Output.json) {
        com.fasterxml.jackson.databind.node.ObjectNode out = JSON.createObjectNode();
        out.set("node", status.path("node"));
        out.set("status", status.path("status"));
        out.set("log", status.path("log"));
        out.set("controlPlane", controlPlane);
        out.set("endpoints", endpoints);
        ClientOptions.printJson(System.out, out);
        return errors == 0 && !alarm ? 0 : 1;
      }
      JsonNode log = status.path("log");
      System.out.printf("node:          %s%n", status.path("node").asText());
      System.out.printf("maps reflect:  revision %d of cluster %s%s%n", log.path("revision").asLong(),
          log.path("cluster").asText().isEmpty() ? "(none yet)" : log.path("cluster").asText(),
          log.path("appliedAt").isTextual() ? ", applied " + log.path("appliedAt").asText() : "");
      System.out.printf("control plane: %s%n", controlPlane.path("message").asText());
      if (controlPlane.path("state").asText().equals("stale") && controlPlane.path("reason").asText().equals("other_cluster")) {
        System.out.printf("               enforcement continues as applied; to follow cluster %s on purpose, restart the agent with "
            + "--adopt-cluster %s%n", controlPlane.path("cluster").asText(), controlPlane.path("cluster").asText());
      }
      System.out.println();
      Table t = new Table("ENDPOINT", "ID", "IDENTITY", "IPV4", "ENFORCED", "ENTRIES", "REVISION", "ERROR");
      for (JsonNode e : endpoints) {
        String enforced = (e.path("ingressEnforced").asBoolean() ? "in" : "") + (e.path("egressEnforced").asBoolean() ? " out" : "");
        t.row(e.path("name").asText(), e.path("endpointId").asInt(), e.path("identity").asInt(), e.path("ipv4").asText(),
            enforced.isBlank() ? "-" : enforced.strip(), e.path("policyEntries").asInt() + "/" + e.path("policyCapacity").asInt(),
            e.path("revision").asLong(), e.path("error").asText().isEmpty() ? "-" : e.path("error").asText());
      }
      t.print(System.out);
      return errors == 0 && !alarm ? 0 : 1;
    }
  }

  /** {@code nodus datapath clean}: removes a node's datapath from this host. */
  @Command(name = "clean", description = {"Remove a node's datapath from this host: detach the programs, remove its endpoints'",
      "veths and namespaces, unpin its maps. Stop the node's agent first."})
  static final class Clean implements Callable<Integer> {
    @Option(names = "--node", required = true, description = "The node whose datapath to remove.")
    String node;

    @Option(names = "--agent", description = "Where that node's agent would answer, to refuse while it runs (default: ${DEFAULT-VALUE}).",
        defaultValue = "${env:NODUS_AGENT:-http://127.0.0.1:9403}")
    String agent;

    @Option(names = "--force", description = "Clean even though the node's agent answers (it will plumb its endpoints again).")
    boolean force;

    @Override
    public Integer call() {
      if (!force && agentRuns()) {
        throw new CliException("the agent of node " + node + " is running at " + agent + "; stop it first (or use --force)");
      }
      DatapathCleaner.Report r = DatapathCleaner.clean(node, AgentConfig.BPFFS_ROOT.resolve(node));
      System.out.printf("removed the datapath of node %s: %d endpoints (%s), %d programs detached, %d pins%n", node,
          r.endpoints().size(), String.join(", ", r.endpoints()), r.detached(), r.pins());
      return 0;
    }

    private boolean agentRuns() {
      try {
        return get(agent, "/healthz").path("node").asText().equals(node);
      } catch (CliException e) {
        return false;
      }
    }
  }
}
