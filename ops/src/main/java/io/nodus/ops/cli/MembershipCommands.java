package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.nodus.ops.client.CliException;
import io.nodus.ops.client.Table;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nodus cluster add-member|remove-member} and {@code nodus node delete}: changes to who
 * is in the cluster.
 */
public final class MembershipCommands {
  private MembershipCommands() {}

  @Command(name = "add-member", description = "Add a controller started with --join; returns once it caught up and votes.")
  static final class AddMember implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", paramLabel = "ID=HOST:RAFTPORT", description = "The new member's id and Raft address.")
    String member;

    @Option(names = "--grpc", required = true, paramLabel = "HOST:PORT", description = "The new member's gRPC address.")
    String grpc;

    @Override
    public Integer call() {
      int eq = member.indexOf('=');
      if (eq <= 0) {
        throw new CliException("'" + member + "' is not ID=HOST:RAFTPORT", 2);
      }
      String body = JsonNodeFactory.instance.objectNode().put("id", member.substring(0, eq))
          .put("raftAddress", member.substring(eq + 1)).put("grpcAddress", grpc).toString();
      printMembers(client, client.rest().post("/v1/cluster/members", "application/json", body).json(), System.out);
      return 0;
    }
  }

  @Command(name = "remove-member", description = "Remove a controller from the group; it stops voting.")
  static final class RemoveMember implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Member id.")
    String id;

    @Override
    public Integer call() {
      printMembers(client, client.rest().delete("/v1/cluster/members/" + id).json(), System.out);
      return 0;
    }
  }

  /** Prints the group after a change: JSON, or a member table. */
  static void printMembers(ClientOptions client, JsonNode cluster, PrintStream out) {
    if (client.json()) {
      ClientOptions.printJson(out, cluster);
      return;
    }
    out.printf("leader: %s   revision: %d%n", cluster.path("leader").asText("(none)"), cluster.path("revision").asLong());
    Table t = new Table("MEMBER", "RAFT", "GRPC", "ROLE");
    for (JsonNode m : cluster.path("members")) {
      t.row(m.path("id").asText(), m.path("address").asText(), m.path("grpcAddress").asText(), m.path("role").asText());
    }
    t.print(out);
  }

  @Command(name = "delete", description = "Remove a node: its pod CIDR goes back to the pool. Refused while it hosts endpoints, unless --cascade.")
  static final class NodeDelete implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Node name.")
    String name;

    @Option(names = "--cascade", description = "Delete the node's endpoints with it.")
    boolean cascade;

    @Override
    public Integer call() {
      client.rest().delete("/v1/nodes/" + name + (cascade ? "?cascade=true" : ""));
      if (!client.json()) {
        System.out.printf("node %s removed%n", name);
      }
      return 0;
    }
  }
}
