package io.nodus.state;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.DeleteEndpoint;
import io.nodus.state.proto.DeletePolicy;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.MarkEndpointReady;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import io.nodus.state.proto.RegisterNode;
import io.nodus.state.proto.UpsertPolicy;
import io.nodus.state.proto.AllocateIpam;
import io.nodus.state.proto.CreateIpamPool;
import io.nodus.state.proto.DeleteIpamPool;
import io.nodus.state.proto.DeleteService;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.L4Protocol;
import io.nodus.state.proto.ReleaseIpam;
import io.nodus.state.proto.RemoveNode;
import io.nodus.state.proto.Service;
import io.nodus.state.proto.ServiceBackend;
import io.nodus.state.proto.ServiceFrontend;
import io.nodus.state.proto.UpsertService;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builders for commands and a tiny driver that applies them in sequence. Every built command gets
 * a fresh request id, so that the deduplication window never merges two test commands; tests of
 * the window set ids themselves ({@link #withRequestId}).
 */
public final class Fixtures {
  private static final AtomicLong REQUEST_IDS = new AtomicLong();

  private Fixtures() {}

  private static String rid(String prefix) {
    return prefix + "-" + REQUEST_IDS.incrementAndGet();
  }

  /** The same command under request id {@code id}. */
  public static Command withRequestId(Command c, String id) {
    return c.toBuilder().setRequestId(id).build();
  }

  public static Command registerNode(String name) {
    return Command.newBuilder().setRequestId(rid("rn")).setRegisterNode(RegisterNode.newBuilder().setName(name)).build();
  }

  public static Command createEndpoint(String name, String node, String... labels) {
    LabelSet.Builder set = LabelSet.newBuilder();
    Arrays.stream(labels).map(l -> Labels.parse(l, Labels.SOURCE_K8S)).forEach(set::addLabels);
    return Command.newBuilder().setRequestId(rid("ce"))
        .setCreateEndpoint(CreateEndpoint.newBuilder().setName(name).setNode(node).setLabels(set)).build();
  }

  public static Command markReady(String name, String ip) {
    return Command.newBuilder().setRequestId(rid("mr"))
        .setMarkEndpointReady(MarkEndpointReady.newBuilder().setName(name).setIpv4(ip).setInterfaceName("nd" + name)).build();
  }

  public static Command deleteEndpoint(String name) {
    return Command.newBuilder().setRequestId(rid("de")).setDeleteEndpoint(DeleteEndpoint.newBuilder().setName(name)).build();
  }

  public static Command upsertPolicy(Policy p) {
    return Command.newBuilder().setRequestId(rid("up")).setUpsertPolicy(UpsertPolicy.newBuilder().setPolicy(p)).build();
  }

  public static Command deletePolicy(String namespace, String name) {
    return Command.newBuilder().setRequestId(rid("dp"))
        .setDeletePolicy(DeletePolicy.newBuilder().setNamespace(namespace).setName(name)).build();
  }

  public static EndpointSelector selector(String... labels) {
    EndpointSelector.Builder s = EndpointSelector.newBuilder();
    for (String l : labels) {
      String[] kv = l.split("=", 2);
      String[] sk = Labels.splitSelectorKey(kv[0]);
      s.addMatchLabels(Labels.label(sk[0], sk[1], kv[1]));
    }
    return s.build();
  }

  public static PortRule ports(Protocol proto, int... ports) {
    PortRule.Builder r = PortRule.newBuilder();
    for (int p : ports) {
      r.addPorts(PortProtocol.newBuilder().setPort(p).setProtocol(proto));
    }
    return r.build();
  }

  public static Command removeNode(String name, boolean cascade) {
    return Command.newBuilder().setRequestId(rid("rm"))
        .setRemoveNode(RemoveNode.newBuilder().setName(name).setCascade(cascade)).build();
  }

  /** A TCP service {@code name} in namespace default on {@code vip:port} with backends "ip:port". */
  public static Command upsertService(String name, String vip, int port, String... backends) {
    Service.Builder s = Service.newBuilder().setNamespace("default").setName(name)
        .setFrontend(ServiceFrontend.newBuilder().setIp(vip).setPort(port).setProtocol(L4Protocol.L4_PROTOCOL_TCP));
    for (String b : backends) {
      String[] hp = b.split(":");
      s.addBackends(ServiceBackend.newBuilder().setIp(hp[0]).setPort(Integer.parseInt(hp[1])));
    }
    return upsertService(s.build());
  }

  public static Command upsertService(Service s) {
    return Command.newBuilder().setRequestId(rid("us")).setUpsertService(UpsertService.newBuilder().setService(s)).build();
  }

  public static Command deleteService(String name) {
    return Command.newBuilder().setRequestId(rid("ds"))
        .setDeleteService(DeleteService.newBuilder().setNamespace("default").setName(name)).build();
  }

  public static Command createPool(String name, String cidr, int blockPrefix) {
    return Command.newBuilder().setRequestId(rid("cp")).setCreateIpamPool(CreateIpamPool.newBuilder()
        .setPool(IpamPool.newBuilder().setName(name).setCidr(cidr).setBlockPrefix(blockPrefix))).build();
  }

  public static Command deletePool(String name) {
    return Command.newBuilder().setRequestId(rid("xp")).setDeleteIpamPool(DeleteIpamPool.newBuilder().setName(name)).build();
  }

  /** Takes the pool's default block size (prefix 0) or a block of {@code prefix}. */
  public static Command allocate(String pool, String owner, int prefix) {
    return Command.newBuilder().setRequestId(rid("al"))
        .setAllocateIpam(AllocateIpam.newBuilder().setPool(pool).setOwner(owner).setPrefixLength(prefix)).build();
  }

  public static Command release(String pool, String cidr) {
    return Command.newBuilder().setRequestId(rid("rl")).setReleaseIpam(ReleaseIpam.newBuilder().setPool(pool).setCidr(cidr)).build();
  }

  /** A policy in namespace "default" that lets {@code from} reach {@code to} on TCP {@code port}. */
  public static Policy allowIngress(String name, String to, String from, int port) {
    return Policy.newBuilder().setName(name).setNamespace("default").setKind("CiliumNetworkPolicy")
        .addRules(PolicyRule.newBuilder()
            .setEndpointSelector(selector(to))
            .addIngress(PeerRule.newBuilder().addEndpoints(selector(from)).addToPorts(ports(Protocol.TCP, port))))
        .build();
  }

  /** Applies commands one after another, failing the test on an exception. */
  public static final class Driver {
    private ReplicaState state = ReplicaState.EMPTY;
    private long index;
    private long clock = 1_000;
    private CommandApplier.Applied last;

    public CommandResult apply(Command c) {
      last = CommandApplier.apply(state, LoggedCommand.newBuilder().setCommand(c).setLeaderTimeMillis(clock + index).build(), ++index);
      state = last.state();
      return last.result();
    }

    /** What the last {@link #apply} did in full. */
    public CommandApplier.Applied last() {
      return last;
    }

    public ClusterImage image() {
      return state.image();
    }

    public ReplicaState state() {
      return state;
    }

    /** Replaces the image, for tests that set up large states directly. */
    public void image(ClusterImage replacement) {
      state = state.withImage(replacement);
    }

    /** Moves the leader clock forward. */
    public void advanceClock(long millis) {
      clock += millis;
    }
  }
}
