package io.nodus.state.decide;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.Ipv4;
import io.nodus.state.model.Names;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Node;
import io.nodus.state.proto.NodeRegistered;
import io.nodus.state.proto.RegisterNode;
import java.util.Optional;

/** Decides node commands; owns the cluster pool of pod CIDRs. */
final class NodeCommands {
  private NodeCommands() {}

  static Decision register(ClusterImage image, RegisterNode cmd) {
    Names.requireDnsSubdomain(cmd.getName(), "name");
    if (!cmd.getUnderlayIp().isEmpty()) {
      Ipv4.parse(cmd.getUnderlayIp(), "underlayIp");
    }
    Optional<Node> existing = image.nodes().get(cmd.getName());
    if (existing.isPresent()) {
      // Re-registration after an agent restart keeps the pod CIDR; only the underlay may move.
      if (existing.get().getUnderlayIp().equals(cmd.getUnderlayIp())) {
        return Decision.nothing();
      }
      return Decision.accept(Event.newBuilder().setNodeRegistered(NodeRegistered.newBuilder()
          .setNode(existing.get().toBuilder().setUnderlayIp(cmd.getUnderlayIp()))));
    }
    Optional<Cidr> cidr = freeCidr(image);
    if (cidr.isEmpty()) {
      return Decision.reject(RejectionCodes.EXHAUSTED, "podCidr",
          "the pod CIDR pool " + image.config().getPodCidrPool() + " has no free /" + image.config().getNodeCidrPrefix());
    }
    Node node = Node.newBuilder()
        .setName(cmd.getName())
        .setUnderlayIp(cmd.getUnderlayIp())
        .setPodCidr(cidr.get().toString())
        .setRegisteredRevision(image.revision() + 1)
        .build();
    return Decision.accept(Event.newBuilder().setNodeRegistered(NodeRegistered.newBuilder().setNode(node)));
  }

  /** The lowest subnet of the pool that no node holds. */
  private static Optional<Cidr> freeCidr(ClusterImage image) {
    Cidr pool = Cidr.parse(image.config().getPodCidrPool(), "config.podCidrPool");
    int prefix = image.config().getNodeCidrPrefix();
    long count = 1L << (prefix - pool.prefixLength());
    for (long i = 0; i < count; i++) {
      Cidr candidate = pool.subnet(prefix, i);
      if (!image.nodes().cidrInUse(candidate.toString())) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
