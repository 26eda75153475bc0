package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.ops.client.Table;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Read-only verbs: identities, nodes and the cluster. */
public final class InfoCommands {
  private InfoCommands() {}

  @Command(name = "identity", description = "Security identities.", subcommands = IdentityList.class)
  public static final class Identity {}

  @Command(name = "list", description = "List identities, reserved ones included, by number.")
  static final class IdentityList implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin ListOptions list;

    @Override
    public Integer call() {
      JsonNode ids = list.fetch(client.rest(), "/v1/identities", Map.of(), System.err);
      if (client.json()) {
        ClientOptions.printJson(System.out, ids);
        return 0;
      }
      Table t = new Table("ID", "ENDPOINTS", "LABELS");
      for (JsonNode i : ids) {
        t.row(i.path("id").asInt(), i.path("reserved").asBoolean() ? "-" : i.path("references").asText(), Labels.all(i.path("labels")));
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "node", description = "Nodes.", subcommands = {NodeList.class, MembershipCommands.NodeDelete.class})
  public static final class Node {}

  @Command(name = "list", description = "List nodes and their pod CIDRs, by name.")
  static final class NodeList implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin ListOptions list;

    @Override
    public Integer call() {
      JsonNode nodes = list.fetch(client.rest(), "/v1/nodes", Map.of(), System.err);
      if (client.json()) {
        ClientOptions.printJson(System.out, nodes);
        return 0;
      }
      Table t = new Table("NAME", "UNDERLAY IP", "POD CIDR");
      for (JsonNode n : nodes) {
        t.row(n.path("name").asText(), n.path("underlayIp").asText(), n.path("podCidr").asText());
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "cluster", description = "The controller cluster.",
      subcommands = {ClusterStatus.class, MembershipCommands.AddMember.class, MembershipCommands.RemoveMember.class})
  public static final class Cluster {}

  @Command(name = "status", description = "Members, leader, revision and state hash.")
  static final class ClusterStatus implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      JsonNode c = client.rest().get("/v1/cluster").json();
      if (client.json()) {
        ClientOptions.printJson(System.out, c);
        return 0;
      }
      String uuid = c.path("clusterUuid").asText();
      System.out.printf("cluster: %s%n", uuid.isEmpty() ? "(no entry yet)" : uuid);
      System.out.printf("state hash: %s%n", c.path("stateHash").asText());
      JsonNode replica = c.path("replica");
      System.out.printf("replica of %s: %s%s%n", c.path("servedBy").asText(), replica.path("condition").asText("unknown"),
          replica.path("reason").asText().isEmpty() ? "" : " (" + replica.path("reason").asText() + ")");
      for (JsonNode note : c.path("configurationNotes")) {
        System.out.printf("configuration: %s%n", note.asText());
      }
      MembershipCommands.printMembers(client, c, System.out);
      return 0;
    }
  }
}
