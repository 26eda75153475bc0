package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nodus.ops.client.CliException;
import io.nodus.ops.client.Table;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nodus ipam pool create|list|get|delete}, {@code nodus ipam allocate} and
 * {@code nodus ipam release}: IPAM pools and the blocks or addresses taken from them through the
 * log. The default pool is the cluster's pod CIDR pool; node pod CIDRs are its allocations.
 */
@Command(name = "ipam", description = "IPAM pools, allocations and releases.",
    subcommands = {IpamCommand.Pool.class, IpamCommand.Allocate.class, IpamCommand.Release.class})
public final class IpamCommand {

  @Command(name = "pool", description = "Create, list, show and delete pools.",
      subcommands = {PoolCreate.class, PoolList.class, PoolGet.class, PoolDelete.class})
  static final class Pool {}

  @Command(name = "create", description = "Create a pool; pools never overlap each other or the default pool.")
  static final class PoolCreate implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Pool name.")
    String name;

    @Option(names = "--cidr", required = true, description = "The pool's range, e.g. 10.60.0.0/24.")
    String cidr;

    @Option(names = "--block-prefix", required = true,
        description = "Prefix length of an allocation that asks for no size: 32 for single addresses, e.g. 26 for blocks.")
    int blockPrefix;

    @Override
    public Integer call() {
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", name).put("cidr", cidr).put("blockPrefix", blockPrefix);
      JsonNode p = client.rest().post("/v1/ipam/pools", "application/json", body.toString()).json();
      if (client.json()) {
        ClientOptions.printJson(System.out, p);
      } else {
        System.out.printf("pool %s: %s, /%d per allocation%n", p.path("name").asText(), p.path("cidr").asText(), p.path("blockPrefix").asInt());
      }
      return 0;
    }
  }

  @Command(name = "list", description = "List pools and how many blocks they hold.")
  static final class PoolList implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin ListOptions list;

    @Override
    public Integer call() {
      JsonNode pools = list.fetch(client.rest(), "/v1/ipam/pools", Map.of(), System.err);
      if (client.json()) {
        ClientOptions.printJson(System.out, pools);
        return 0;
      }
      Table t = new Table("NAME", "CIDR", "BLOCK", "ALLOCATED");
      for (JsonNode p : pools) {
        t.row(p.path("name").asText(), p.path("cidr").asText(), "/" + p.path("blockPrefix").asInt(), p.path("allocated").asInt());
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "get", description = "Show a pool and its allocations.")
  static final class PoolGet implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Pool name.")
    String name;

    @Override
    public Integer call() {
      JsonNode p = client.rest().get("/v1/ipam/pools/" + name).json();
      if (client.json()) {
        ClientOptions.printJson(System.out, p);
        return 0;
      }
      System.out.printf("pool %s: %s, /%d per allocation, %d allocated%n", p.path("name").asText(), p.path("cidr").asText(),
          p.path("blockPrefix").asInt(), p.path("allocated").asInt());
      Table t = new Table("CIDR", "OWNER", "REVISION");
      for (JsonNode a : p.path("allocations")) {
        t.row(a.path("cidr").asText(), a.path("owner").asText(), a.path("revision").asLong());
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a pool that holds no allocation.")
  static final class PoolDelete implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Pool name.")
    String name;

    @Override
    public Integer call() {
      client.rest().delete("/v1/ipam/pools/" + name);
      if (!client.json()) {
        System.out.printf("pool %s deleted%n", name);
      }
      return 0;
    }
  }

  @Command(name = "allocate", description = "Take the lowest free block (or a given one) of a pool for an owner.")
  static final class Allocate implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Pool name.")
    String pool;

    @Option(names = "--owner", required = true, description = "Who holds the block, e.g. lb/web.")
    String owner;

    @Option(names = "--prefix-length", description = "Size of the block (default: the pool's block prefix).")
    Integer prefixLength;

    @Option(names = "--cidr", description = "Claim this block instead of the lowest free one.")
    String cidr;

    @Override
    public Integer call() {
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("owner", owner);
      if (prefixLength != null) {
        body.put("prefixLength", prefixLength);
      }
      if (cidr != null) {
        body.put("cidr", cidr);
      }
      JsonNode a = client.rest().post("/v1/ipam/pools/" + pool + "/allocations", "application/json", body.toString()).json();
      if (client.json()) {
        ClientOptions.printJson(System.out, a);
      } else {
        System.out.println(a.path("cidr").asText());
      }
      return 0;
    }
  }

  @Command(name = "release", description = "Give a block back to its pool.")
  static final class Release implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", description = "Pool name.")
    String pool;

    @Parameters(index = "1", description = "The block as allocated, e.g. 10.60.0.4/32.")
    String cidr;

    @Override
    public Integer call() {
      int slash = cidr.indexOf('/');
      if (slash <= 0) {
        throw new CliException("'" + cidr + "' is not a block (ADDRESS/PREFIX)", 2);
      }
      client.rest().delete("/v1/ipam/pools/" + pool + "/allocations/" + cidr.substring(0, slash) + "/" + cidr.substring(slash + 1));
      if (!client.json()) {
        System.out.printf("%s released to pool %s%n", cidr, pool);
      }
      return 0;
    }
  }
}
