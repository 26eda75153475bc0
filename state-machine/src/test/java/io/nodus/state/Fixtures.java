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
import java.util.Arrays;

/** Builders for commands and a tiny driver that applies them in sequence. */
public final class Fixtures {
  private Fixtures() {}

  public static Command registerNode(String name) {
    return Command.newBuilder().setRequestId("rn-" + name).setRegisterNode(RegisterNode.newBuilder().setName(name)).build();
  }

  public static Command createEndpoint(String name, String node, String... labels) {
    LabelSet.Builder set = LabelSet.newBuilder();
    Arrays.stream(labels).map(l -> Labels.parse(l, Labels.SOURCE_K8S)).forEach(set::addLabels);
    return Command.newBuilder().setRequestId("ce-" + name)
        .setCreateEndpoint(CreateEndpoint.newBuilder().setName(name).setNode(node).setLabels(set)).build();
  }

  public static Command markReady(String name, String ip) {
    return Command.newBuilder().setRequestId("mr-" + name)
        .setMarkEndpointReady(MarkEndpointReady.newBuilder().setName(name).setIpv4(ip).setInterfaceName("nd" + name)).build();
  }

  public static Command deleteEndpoint(String name) {
    return Command.newBuilder().setRequestId("de-" + name).setDeleteEndpoint(DeleteEndpoint.newBuilder().setName(name)).build();
  }

  public static Command upsertPolicy(Policy p) {
    return Command.newBuilder().setRequestId("up-" + p.getName()).setUpsertPolicy(UpsertPolicy.newBuilder().setPolicy(p)).build();
  }

  public static Command deletePolicy(String namespace, String name) {
    return Command.newBuilder().setRequestId("dp-" + name)
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
    private ClusterImage image = ClusterImage.EMPTY;
    private long index;
    private long clock = 1_000;

    public CommandResult apply(Command c) {
      CommandApplier.Applied a = CommandApplier.apply(image, LoggedCommand.newBuilder().setCommand(c).setLeaderTimeMillis(clock + index).build(), ++index);
      image = a.image();
      return a.result();
    }

    public ClusterImage image() {
      return image;
    }

    /** Replaces the image, for tests that set up large states directly. */
    public void image(ClusterImage replacement) {
      image = replacement;
    }

    /** Moves the leader clock forward. */
    public void advanceClock(long millis) {
      clock += millis;
    }
  }
}
