package io.nodus.state.decide;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.IpamImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.Ipv4;
import io.nodus.state.model.Names;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointDeleted;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.IdentityReleased;
import io.nodus.state.proto.Node;
import io.nodus.state.proto.NodeRegistered;
import io.nodus.state.proto.NodeRemoved;
import io.nodus.state.proto.RegisterNode;
import io.nodus.state.proto.RemoveNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides node commands. A node's pod CIDR is the lowest free block of the default IPAM pool on
 * its first registration and goes back to that pool when the node is removed.
 */
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
    Cidr pool = Cidr.parse(image.config().getPodCidrPool(), "config.podCidrPool");
    int prefix = image.config().getNodeCidrPrefix();
    Optional<Cidr> cidr = image.ipam().lowestFree(IpamImage.DEFAULT_POOL, pool, prefix);
    if (cidr.isEmpty()) {
      return Decision.reject(RejectionCodes.EXHAUSTED, "podCidr",
          "the pod CIDR pool " + pool + " has no free /" + prefix);
    }
    Node node = Node.newBuilder()
        .setName(cmd.getName())
        .setUnderlayIp(cmd.getUnderlayIp())
        .setPodCidr(cidr.get().toString())
        .setRegisteredRevision(image.revision() + 1)
        .build();
    return Decision.accept(Event.newBuilder().setNodeRegistered(NodeRegistered.newBuilder().setNode(node)));
  }

  /**
   * A node leaves. Refused while endpoints remain on it, because their namespaces and addresses
   * live on that host; with {@code cascade} they are deleted in the same command (identities
   * that no other endpoint carries are released), so the node never leaves half-emptied.
   */
  static Decision remove(ClusterImage image, RemoveNode cmd) {
    Names.requireDnsSubdomain(cmd.getName(), "name");
    Optional<Node> found = image.nodes().get(cmd.getName());
    if (found.isEmpty()) {
      return Decision.reject(RejectionCodes.NOT_FOUND, "name", "no node named " + cmd.getName() + " is registered");
    }
    List<Endpoint> hosted = image.endpoints().onNode(cmd.getName());
    if (!hosted.isEmpty() && !cmd.getCascade()) {
      List<String> names = hosted.stream().map(Endpoint::getName).limit(5).toList();
      return Decision.reject(RejectionCodes.FAILED_PRECONDITION, "name", "node " + cmd.getName() + " still hosts "
          + hosted.size() + " endpoint(s) " + names + "; delete them first or remove the node with cascade");
    }
    List<Event> events = new ArrayList<>();
    Map<Integer, Integer> references = new HashMap<>();
    for (Endpoint ep : hosted) {
      int refs = references.computeIfAbsent(ep.getIdentity(), id -> image.identities().get(id)
          .orElseThrow(() -> new IllegalStateException("endpoint " + ep.getName() + " has unknown identity " + id))
          .getReferences()) - 1;
      references.put(ep.getIdentity(), refs);
      events.add(Event.newBuilder().setEndpointDeleted(
          EndpointDeleted.newBuilder().setName(ep.getName()).setIdentity(ep.getIdentity())).build());
      if (refs == 0) {
        events.add(Event.newBuilder().setIdentityReleased(IdentityReleased.newBuilder().setId(ep.getIdentity())).build());
      }
    }
    events.add(Event.newBuilder().setNodeRemoved(
        NodeRemoved.newBuilder().setName(cmd.getName()).setPodCidr(found.get().getPodCidr())).build());
    return new Decision.Accepted(events);
  }
}
