package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nodus.ops.client.CliException;
import io.nodus.ops.client.Table;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodus service upsert|list|get|delete}: load-balanced services (VIP:port -> backends). */
@Command(name = "service", description = "Create, list, show and delete load-balanced services.",
    subcommands = {ServiceCommand.Upsert.class, ServiceCommand.ListCmd.class, ServiceCommand.Get.class, ServiceCommand.Delete.class})
public final class ServiceCommand {

  @Command(name = "upsert", description = "Create a service or replace it (its frontend, backends and flags) by name.")
  static final class Upsert implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Service name.")
    String name;

    @Option(names = {"-n", "--namespace"}, description = "Namespace (default: default).")
    String namespace;

    @Option(names = "--frontend", required = true, description = "VIP:PORT[/PROTOCOL], e.g. 10.96.0.10:80/tcp (TCP, UDP or SCTP; default TCP).")
    String frontend;

    @Option(names = "--backend", description = "IP:PORT[,weight=N][,state=active|terminating|quarantined|maintenance][,node=NODE]; repeatable.")
    List<String> backends = List.of();

    @Option(names = "--global", description = "Share the service with peer clusters of the mesh.")
    boolean global;

    @Option(names = "--unshared", description = "With --global: keep this cluster's backends out of the mesh.")
    boolean unshared;

    @Option(names = "--affinity", description = "Client-IP session affinity.")
    boolean affinity;

    @Option(names = "--affinity-timeout", description = "Session affinity timeout in seconds (default 10800).")
    Integer affinityTimeout;

    @Option(names = "--dsr", description = "Direct server return.")
    boolean dsr;

    @Option(names = "--external-traffic-local", description = "Outside traffic only to backends on the receiving node.")
    boolean externalLocal;

    @Option(names = "--internal-traffic-local", description = "Inside traffic only to backends on the sending node.")
    boolean internalLocal;

    @Override
    public Integer call() {
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", name);
      if (namespace != null) {
        body.put("namespace", namespace);
      }
      body.set("frontend", frontend(frontend));
      ArrayNode list = body.putArray("backends");
      for (String b : backends) {
        list.add(backend(b));
      }
      ObjectNode flags = body.putObject("flags").put("global", global).put("unshared", unshared).put("sessionAffinity", affinity)
          .put("dsr", dsr).put("externalTrafficLocal", externalLocal).put("internalTrafficLocal", internalLocal);
      if (affinityTimeout != null) {
        flags.put("sessionAffinityTimeoutSeconds", affinityTimeout);
      }
      JsonNode s = client.rest().post("/v1/services", "application/json", body.toString()).json();
      if (client.json()) {
        ClientOptions.printJson(System.out, s);
      } else {
        System.out.printf("service %s/%s (id %d) on %s with %d backend(s)%n", s.path("namespace").asText(), s.path("name").asText(),
            s.path("id").asInt(), frontendText(s.path("frontend")), s.path("backends").size());
      }
      return 0;
    }
  }

  /** Parses {@code IP:PORT[/PROTOCOL]}; the values themselves are checked by the server. */
  static ObjectNode frontend(String text) {
    String proto = null;
    int slash = text.indexOf('/');
    if (slash >= 0) {
      proto = text.substring(slash + 1).toUpperCase(java.util.Locale.ROOT);
      text = text.substring(0, slash);
    }
    ObjectNode f = hostPort(text, "--frontend");
    if (proto != null) {
      f.put("protocol", proto);
    }
    return f;
  }

  /** Parses {@code IP:PORT[,key=value]...}. */
  static ObjectNode backend(String text) {
    String[] parts = text.split(",");
    ObjectNode b = hostPort(parts[0], "--backend");
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      String key = eq < 0 ? parts[i] : parts[i].substring(0, eq);
      String value = eq < 0 ? "" : parts[i].substring(eq + 1);
      switch (key) {
        case "weight" -> b.put("weight", number(value, "--backend weight"));
        case "state" -> b.put("state", value);
        case "node" -> b.put("node", value);
        default -> throw new CliException("--backend " + text + ": unknown option '" + key + "' (weight, state, node)", 2);
      }
    }
    return b;
  }

  private static ObjectNode hostPort(String text, String option) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      throw new CliException(option + " " + text + ": expected IP:PORT", 2);
    }
    return JsonNodeFactory.instance.objectNode().put("ip", text.substring(0, colon)).put("port", number(text.substring(colon + 1), option));
  }

  private static int number(String text, String what) {
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new CliException(what + ": '" + text + "' is not a number", 2);
    }
  }

  static String frontendText(JsonNode f) {
    return f.path("ip").asText() + ":" + f.path("port").asInt() + "/" + f.path("protocol").asText();
  }

  @Command(name = "list", description = "List services, by namespace then name.")
  static final class ListCmd implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin ListOptions paging;

    @Option(names = {"-n", "--namespace"}, description = "Only this namespace.")
    String namespace;

    @Override
    public Integer call() {
      Map<String, String> params = new HashMap<>();
      params.put("namespace", namespace);
      JsonNode list = paging.fetch(client.rest(), "/v1/services", params, System.err);
      if (client.json()) {
        ClientOptions.printJson(System.out, list);
        return 0;
      }
      Table t = new Table("NAMESPACE", "NAME", "ID", "FRONTEND", "BACKENDS", "FLAGS");
      for (JsonNode s : list) {
        List<String> backends = new java.util.ArrayList<>();
        s.path("backends").forEach(b -> backends.add(b.path("ip").asText() + ":" + b.path("port").asInt()
            + (b.path("state").asText().equals("active") ? "" : "(" + b.path("state").asText() + ")")));
        t.row(s.path("namespace").asText(), s.path("name").asText(), s.path("id").asInt(), frontendText(s.path("frontend")),
            String.join(",", backends), flags(s.path("flags")));
      }
      t.print(System.out);
      return 0;
    }
  }

  private static String flags(JsonNode f) {
    List<String> on = new java.util.ArrayList<>();
    for (String k : List.of("global", "unshared", "dsr", "externalTrafficLocal", "internalTrafficLocal")) {
      if (f.path(k).asBoolean()) {
        on.add(k);
      }
    }
    if (f.path("sessionAffinity").asBoolean()) {
      on.add("affinity=" + f.path("sessionAffinityTimeoutSeconds").asInt() + "s");
    }
    return String.join(",", on);
  }

  @Command(name = "get", description = "Show one service.")
  static final class Get implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Service name.")
    String name;

    @Option(names = {"-n", "--namespace"}, description = "Namespace (default: default).", defaultValue = "default")
    String namespace;

    @Override
    public Integer call() {
      ClientOptions.printJson(System.out, client.rest().get("/v1/services/" + namespace + "/" + name).json());
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a service.")
  static final class Delete implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Service name.")
    String name;

    @Option(names = {"-n", "--namespace"}, description = "Namespace (default: default).", defaultValue = "default")
    String namespace;

    @Override
    public Integer call() {
      client.rest().delete("/v1/services/" + namespace + "/" + name);
      if (!client.json()) {
        System.out.printf("service %s/%s deleted%n", namespace, name);
      }
      return 0;
    }
  }
}
