package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nodus.ops.client.CliException;
import io.nodus.ops.client.RestClient;
import io.nodus.ops.client.Table;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodus endpoint create|list|delete}: workloads, each a network namespace behind a veth. */
@Command(name = "endpoint", description = "Create, list and delete endpoints (workloads).",
    subcommands = {EndpointCommand.Create.class, EndpointCommand.ListCmd.class, EndpointCommand.Delete.class})
public final class EndpointCommand {

  @Command(name = "create", description = "Create an endpoint: a network namespace NAME (see `ip netns list`) behind a veth.")
  static final class Create implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Endpoint name; also the name of its network namespace.")
    String name;

    @Option(names = "--labels", split = ",", description = "Labels, e.g. app=web,tier=front (source k8s unless given as source:key=value).")
    List<String> labels = List.of();

    @Option(names = "--node", description = "Node to create it on (default: the only node, when there is one).")
    String node;

    @Option(names = {"-n", "--namespace"}, description = "Policy namespace (default: default).")
    String namespace;

    @Option(names = "--no-wait", description = "Return once the log has the endpoint, without waiting for its node to plumb it.")
    boolean noWait;

    @Option(names = "--timeout", description = "How long to wait for the endpoint to become ready (default: ${DEFAULT-VALUE}).",
        defaultValue = "PT60S")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
      RestClient rest = client.rest();
      String target = node != null ? node : onlyNode(rest);
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", name).put("node", target);
      if (namespace != null) {
        body.put("namespace", namespace);
      }
      ObjectNode labelMap = body.putObject("labels");
      for (String l : labels) {
        int eq = l.indexOf('=');
        labelMap.put(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
      }
      JsonNode created = rest.post("/v1/endpoints", "application/json", body.toString()).json();
      JsonNode ep = noWait ? created : waitReady(rest, name, timeout, client.json());
      if (client.json()) {
        ClientOptions.printJson(System.out, ep);
      } else {
        System.out.printf("endpoint %s %s on node %s: identity %d, ip %s%n", name, ep.path("state").asText(),
            ep.path("node").asText(), ep.path("identity").asInt(), ep.path("ipv4").asText("-"));
      }
      return 0;
    }
  }

  /** The node's name when exactly one node is registered. */
  static String onlyNode(RestClient rest) {
    JsonNode nodes = rest.get("/v1/nodes").json();
    if (nodes.size() == 1) {
      return nodes.get(0).path("name").asText();
    }
    throw new CliException(nodes.isEmpty() ? "no node is registered yet: start an agent (or `./nodus up`)"
        : "several nodes are registered: choose one with --node");
  }

  /** Polls until the endpoint is ready, printing progress unless output is JSON. */
  static JsonNode waitReady(RestClient rest, String name, Duration timeout, boolean quiet) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean told = false;
    while (true) {
      JsonNode ep = rest.get("/v1/endpoints/" + name).json();
      if (ep.path("state").asText().equals("ready")) {
        return ep;
      }
      if (!told && !quiet) {
        System.err.printf("waiting for node %s to plumb endpoint %s...%n", ep.path("node").asText(), name);
        told = true;
      }
      if (System.nanoTime() > deadline) {
        throw new CliException("endpoint " + name + " is still " + ep.path("state").asText() + " after " + timeout.toSeconds()
            + "s: is the agent of node " + ep.path("node").asText() + " running?");
      }
      Thread.sleep(100);
    }
  }

  @Command(name = "list", description = "List endpoints, by name.")
  static final class ListCmd implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin ListOptions list;

    @Option(names = "--node", description = "Only endpoints on this node.")
    String node;

    @Option(names = {"-n", "--namespace"}, description = "Only endpoints in this policy namespace.")
    String namespace;

    @Override
    public Integer call() {
      Map<String, String> params = new HashMap<>();
      params.put("node", node);
      params.put("namespace", namespace);
      JsonNode eps = list.fetch(client.rest(), "/v1/endpoints", params, System.err);
      if (client.json()) {
        ClientOptions.printJson(System.out, eps);
        return 0;
      }
      Table t = new Table("NAME", "NODE", "NAMESPACE", "STATE", "IPV4", "IDENTITY", "INTERFACE", "LABELS");
      for (JsonNode e : eps) {
        t.row(e.path("name").asText(), e.path("node").asText(), e.path("namespace").asText(), e.path("state").asText(),
            e.path("ipv4").asText(), e.path("identity").asInt(), e.path("interfaceName").asText(), Labels.userLabels(e.path("labels")));
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete an endpoint; its node removes the namespace and veth.")
  static final class Delete implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Endpoint name.")
    String name;

    @Override
    public Integer call() {
      client.rest().delete("/v1/endpoints/" + name);
      if (!client.json()) {
        System.out.printf("endpoint %s deleted%n", name);
      }
      return 0;
    }
  }
}
