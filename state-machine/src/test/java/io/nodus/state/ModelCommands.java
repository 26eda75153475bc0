package io.nodus.state;

import io.nodus.state.proto.AllocateIpam;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateIpamPool;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.Protocol;
import io.nodus.state.proto.ReleaseIpam;
import io.nodus.state.proto.Service;
import io.nodus.state.proto.ServiceBackend;
import io.nodus.state.proto.ServiceFlags;
import io.nodus.state.proto.ServiceFrontend;
import io.nodus.state.proto.UpsertService;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Random command sequences over the whole model for property tests: nodes joining and leaving,
 * endpoints, policies, services, IPAM pools and allocations, valid and invalid values, fuzzed
 * strings, and clients that retry a request or reuse its id for another command.
 */
public final class ModelCommands {
  private static final String[] NODES = {"n1", "n2", "n3", "bad_node"};
  private static final String[] ENDPOINTS = {"a", "b", "c", "d", "e", "f", "Bad"};
  private static final String[] LABELS = {"app=web", "app=db", "app=cache", "tier=x", "app=web", "bad key=1", "app=-x"};
  private static final String[] POOLS = {"pa", "pb", "default", "nope", "Bad"};
  private static final String[] POOL_CIDRS = {"10.50.0.0/24", "10.50.0.0/16", "10.50.1.0/24", "10.200.0.0/16",
      "10.60.0.0/30", "10.60.0.1/30", "300.1.0.0/8", "10.61.0.0/28"};
  private static final String[] CIDRS = {"10.50.0.0/32", "10.50.0.4/30", "10.60.0.0/30", "10.200.0.0/24", "10.61.0.2/31", "x"};
  private static final String[] VIPS = {"10.96.0.1", "10.96.0.2", "10.96.0.3", "0.0.0.0", "224.0.0.1", "10.96.0.256"};
  private static final String[] BACKENDS = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "255.255.255.255"};

  private ModelCommands() {}

  /** One step of a client: a new command, a retry of an earlier step, or an earlier id on a new command. */
  public sealed interface Step {}

  record Fresh(Command command) implements Step {}

  /** Repeats the command (and request id) of the step {@code back} positions earlier (modulo). */
  record Retry(int back) implements Step {}

  /** Sends a new command under the request id of the step {@code back} positions earlier (modulo). */
  record Reuse(int back, Command command) implements Step {}

  public static Arbitrary<List<Step>> steps(int max) {
    Arbitrary<Step> fresh = body().map(Fresh::new);
    Arbitrary<Step> retry = Arbitraries.integers().between(0, 6).map(Retry::new);
    Arbitrary<Step> reuse = Combinators.combine(Arbitraries.integers().between(0, 15), body()).as(Reuse::new);
    return Arbitraries.frequencyOf(Tuple.of(14, fresh), Tuple.of(5, retry), Tuple.of(1, reuse)).list().ofMinSize(10).ofMaxSize(max)
        .withSizeDistribution(net.jqwik.api.RandomDistribution.uniform());
  }

  /** The commands of {@code steps} with their request ids: fresh step i gets "r&lt;i&gt;". */
  static List<Command> commands(List<Step> steps) {
    List<Command> out = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      Command c = switch (steps.get(i)) {
        case Fresh f -> f.command().toBuilder().setRequestId("r" + i).build();
        case Retry r -> i == 0 ? Command.getDefaultInstance() : out.get(i - 1 - r.back() % i);
        case Reuse r -> i == 0 ? r.command() : r.command().toBuilder().setRequestId(out.get(i - 1 - r.back() % i).getRequestId()).build();
      };
      out.add(c);
    }
    return out;
  }

  /** Only the fresh steps: one command per request id. */
  static List<Step> withoutRetries(List<Step> steps) {
    return steps.stream().filter(s -> s instanceof Fresh).toList();
  }

  /** A command without request id. */
  static Arbitrary<Command> body() {
    Arbitrary<String> node = Arbitraries.of(NODES);
    Arbitrary<String> ep = Arbitraries.of(ENDPOINTS);
    Arbitrary<String[]> labels = Arbitraries.of(LABELS).array(String[].class).ofMaxSize(3);
    Arbitrary<Command> register = node.map(Fixtures::registerNode);
    Arbitrary<Command> remove = Combinators.combine(node, Arbitraries.of(true, false)).as(Fixtures::removeNode);
    Arbitrary<Command> create = Combinators.combine(ep, node, labels).as(Fixtures::createEndpoint);
    Arbitrary<Command> ready = Combinators.combine(ep, Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 4))
        .as((e, n, host) -> Fixtures.markReady(e, "10.200." + n + "." + host));
    Arbitrary<Command> delete = ep.map(Fixtures::deleteEndpoint);
    Arbitrary<Command> upsert = Combinators.combine(Arbitraries.of("p1", "p2", "P3"), Arbitraries.of(LABELS), Arbitraries.of(LABELS),
        Arbitraries.of(0, 80, 443, 70000)).as((name, to, from, port) -> Fixtures.upsertPolicy(policy(name, to, from, port)));
    Arbitrary<Command> deletePolicy = Arbitraries.of("p1", "p2", "nope").map(n -> Fixtures.deletePolicy("default", n));
    Arbitrary<Command> garbage = Arbitraries.just(Command.getDefaultInstance());
    return Arbitraries.frequencyOf(
        Tuple.of(3, register), Tuple.of(1, remove), Tuple.of(5, create), Tuple.of(3, ready),
        Tuple.of(2, delete), Tuple.of(2, upsert), Tuple.of(1, deletePolicy), Tuple.of(1, garbage),
        Tuple.of(4, service()), Tuple.of(1, Arbitraries.of("s1", "s2", "s3", "Bad").map(Fixtures::deleteService)),
        Tuple.of(2, pool()), Tuple.of(1, Arbitraries.of(POOLS).map(Fixtures::deletePool)),
        Tuple.of(4, allocation()), Tuple.of(2, release()), Tuple.of(1, fuzz()));
  }

  private static Arbitrary<Command> service() {
    Arbitrary<ServiceBackend> backend = Combinators.combine(Arbitraries.of(BACKENDS), Arbitraries.of(80, 8080, 0, 65536),
        Arbitraries.of(0, 1, 100, 65535, 70000), Arbitraries.of(0, 1, 2, 3, 9))
        .as((ip, port, weight, state) -> ServiceBackend.newBuilder().setIp(ip).setPort(port).setWeight(weight)
            .setStateValue(state).build());
    Arbitrary<ServiceFlags> flags = Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false),
        Arbitraries.of(true, false), Arbitraries.of(0, 0, 30, 100_000), Arbitraries.of(true, false))
        .as((global, unshared, affinity, timeout, dsr) -> ServiceFlags.newBuilder().setGlobal(global).setUnshared(unshared && global)
            .setSessionAffinity(affinity).setSessionAffinityTimeoutSeconds(affinity || timeout == 30 ? timeout : 0).setDsr(dsr).build());
    return Combinators.combine(Arbitraries.of("s1", "s2", "s3", "Bad"), Arbitraries.of(VIPS), Arbitraries.of(80, 443, 0),
        Arbitraries.of(0, 6, 17, 132, 50), backend.list().ofMaxSize(4), flags)
        .as((name, vip, port, proto, backends, f) -> Command.newBuilder().setUpsertService(UpsertService.newBuilder()
            .setService(Service.newBuilder().setName(name)
                .setFrontend(ServiceFrontend.newBuilder().setIp(vip).setPort(port).setProtocolValue(proto))
                .addAllBackends(backends).setFlags(f))).build());
  }

  private static Arbitrary<Command> pool() {
    return Combinators.combine(Arbitraries.of(POOLS), Arbitraries.of(POOL_CIDRS), Arbitraries.of(24, 26, 30, 32, 8, 33))
        .as((name, cidr, block) -> Command.newBuilder().setCreateIpamPool(CreateIpamPool.newBuilder()
            .setPool(IpamPool.newBuilder().setName(name).setCidr(cidr).setBlockPrefix(block))).build());
  }

  private static Arbitrary<Command> allocation() {
    return Combinators.combine(Arbitraries.of(POOLS), Arbitraries.of("o1", "o2", "lb/x", "node:x", "BAD"),
        Arbitraries.of(0, 0, 24, 28, 30, 31, 32, 40), Arbitraries.of("", "", "", "10.50.0.8/30", "10.60.0.2/31", "10.200.0.0/24"))
        .as((pool, owner, prefix, cidr) -> Command.newBuilder().setAllocateIpam(AllocateIpam.newBuilder()
            .setPool(pool).setOwner(owner).setPrefixLength(prefix).setCidr(cidr)).build());
  }

  private static Arbitrary<Command> release() {
    return Combinators.combine(Arbitraries.of(POOLS), Arbitraries.of(CIDRS))
        .as((pool, cidr) -> Command.newBuilder().setReleaseIpam(ReleaseIpam.newBuilder().setPool(pool).setCidr(cidr)).build());
  }

  /** Arbitrary text where addresses, names and CIDRs go: parsers must refuse it, never throw. */
  private static Arbitrary<Command> fuzz() {
    Arbitrary<String> text = Arbitraries.strings().withChars("0123456789./:-_aZ ").ofMaxLength(20);
    return Combinators.combine(text, text, Arbitraries.integers().between(0, 40)).as((a, b, n) -> switch (n % 4) {
      case 0 -> Command.newBuilder().setCreateIpamPool(CreateIpamPool.newBuilder()
          .setPool(IpamPool.newBuilder().setName(a).setCidr(b).setBlockPrefix(n))).build();
      case 1 -> Command.newBuilder().setAllocateIpam(AllocateIpam.newBuilder().setPool(a).setOwner(b).setCidr(b).setPrefixLength(n)).build();
      case 2 -> Command.newBuilder().setUpsertService(UpsertService.newBuilder().setService(Service.newBuilder().setName(a)
          .setNamespace(b).setFrontend(ServiceFrontend.newBuilder().setIp(b).setPort(n * 2000))
          .addBackends(ServiceBackend.newBuilder().setIp(a).setPort(n)))).build();
      default -> Fixtures.markReady(a, b);
    });
  }

  private static Policy policy(String name, String to, String from, int port) {
    if (to.contains(" ")) {
      // An invalid selector key: decide must reject it, not throw.
      return Policy.newBuilder().setName(name).setNamespace("default")
          .addRules(PolicyRule.newBuilder().setEndpointSelector(Fixtures.selector("bad key=1"))).build();
    }
    Policy.Builder p = Fixtures.allowIngress(name, to, from, port == 0 ? 80 : port).toBuilder();
    if (port == 0) {
      p.setRules(0, p.getRules(0).toBuilder().setIngress(0, p.getRules(0).getIngress(0).toBuilder()
          .setToPorts(0, Fixtures.ports(Protocol.PROTOCOL_ANY, 53))));
    }
    return p.build();
  }
}
