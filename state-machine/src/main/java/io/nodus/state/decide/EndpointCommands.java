package io.nodus.state.decide;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Ipv4;
import io.nodus.state.model.Labels;
import io.nodus.state.model.Names;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.DeleteEndpoint;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointCreated;
import io.nodus.state.proto.EndpointDeleted;
import io.nodus.state.proto.EndpointReady;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.IdentityAllocated;
import io.nodus.state.proto.IdentityReleased;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.MarkEndpointReady;
import io.nodus.state.proto.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Decides endpoint commands; owns identity allocation for endpoint label sets. */
final class EndpointCommands {
  /** Namespace of endpoints created without one. */
  static final String DEFAULT_NAMESPACE = "default";

  private EndpointCommands() {}

  static Decision create(ClusterImage image, CreateEndpoint cmd, ApplyContext ctx) {
    Names.requireDnsLabel(cmd.getName(), "name");
    Names.requireDnsSubdomain(cmd.getNode(), "node");
    String namespace = cmd.getNamespace().isEmpty() ? DEFAULT_NAMESPACE : cmd.getNamespace();
    Names.requireDnsLabel(namespace, "namespace");
    LabelSet labels = fullLabels(image, cmd.getLabels(), namespace);
    if (image.endpoints().get(cmd.getName()).isPresent()) {
      return Decision.reject(RejectionCodes.ALREADY_EXISTS, "name", "an endpoint named " + cmd.getName() + " exists already");
    }
    if (image.nodes().get(cmd.getNode()).isEmpty()) {
      return Decision.reject(RejectionCodes.NOT_FOUND, "node", "no node named " + cmd.getNode() + " is registered");
    }
    List<Event.Builder> events = new ArrayList<>();
    Optional<Integer> identity = image.identities().idOf(labels);
    if (identity.isEmpty()) {
      identity = image.identities().nextFree(image.config().getClusterId(), ctx.timeMillis(), image.identityQuarantineMillis());
      if (identity.isEmpty()) {
        return Decision.reject(RejectionCodes.EXHAUSTED, "labels", "all cluster-local identities are in use");
      }
      events.add(Event.newBuilder().setIdentityAllocated(IdentityAllocated.newBuilder()
          .setIdentity(Identity.newBuilder().setId(identity.get()).setLabels(labels))));
    }
    Endpoint endpoint = Endpoint.newBuilder()
        .setName(cmd.getName())
        .setNode(cmd.getNode())
        .setNamespace(namespace)
        .setLabels(labels)
        .setIdentity(identity.get())
        .setId(image.endpoints().nextEndpointId())
        .setState(EndpointState.ENDPOINT_STATE_PENDING)
        .build();
    events.add(Event.newBuilder().setEndpointCreated(EndpointCreated.newBuilder().setEndpoint(endpoint)));
    return new Decision.Accepted(events.stream().map(Event.Builder::build).toList());
  }

  /** User labels plus the namespace and cluster labels every endpoint carries. */
  private static LabelSet fullLabels(ClusterImage image, LabelSet user, String namespace) {
    List<Label> all = new ArrayList<>();
    for (int i = 0; i < user.getLabelsCount(); i++) {
      Label l = user.getLabels(i);
      String field = "labels[" + i + "]";
      Labels.validateUserLabel(l, field);
      if (l.getKey().equals(Labels.NAMESPACE_KEY) || l.getKey().equals(Labels.CLUSTER_KEY)) {
        throw InvalidFieldException.invalid(field, "label " + l.getKey() + " is set by Nodus; use the namespace field instead");
      }
      all.add(l);
    }
    all.add(Labels.label(Labels.SOURCE_K8S, Labels.NAMESPACE_KEY, namespace));
    all.add(Labels.label(Labels.SOURCE_K8S, Labels.CLUSTER_KEY, image.config().getClusterName()));
    return Labels.canonical(all, "labels");
  }

  static Decision markReady(ClusterImage image, MarkEndpointReady cmd) {
    Optional<Endpoint> found = image.endpoints().get(cmd.getName());
    if (found.isEmpty()) {
      return Decision.reject(RejectionCodes.NOT_FOUND, "name", "no endpoint named " + cmd.getName());
    }
    Endpoint ep = found.get();
    int address = Ipv4.parse(cmd.getIpv4(), "ipv4");
    Node node = image.nodes().get(ep.getNode())
        .orElseThrow(() -> new IllegalStateException("endpoint " + ep.getName() + " is on unknown node " + ep.getNode()));
    Cidr podCidr = Cidr.parse(node.getPodCidr(), "podCidr");
    if (!podCidr.contains(address)) {
      return Decision.reject(RejectionCodes.INVALID_ARGUMENT, "ipv4",
          cmd.getIpv4() + " is outside node " + node.getName() + "'s pod CIDR " + podCidr);
    }
    if (address == podCidr.network() || address == podCidr.address(podCidr.size() - 1)) {
      return Decision.reject(RejectionCodes.INVALID_ARGUMENT, "ipv4",
          cmd.getIpv4() + " is the network or broadcast address of " + podCidr);
    }
    Optional<String> owner = image.endpoints().ownerOf(cmd.getIpv4());
    if (owner.isPresent() && !owner.get().equals(ep.getName())) {
      return Decision.reject(RejectionCodes.ALREADY_EXISTS, "ipv4", cmd.getIpv4() + " belongs to endpoint " + owner.get());
    }
    if (cmd.getInterfaceName().isEmpty() || cmd.getInterfaceName().length() > 15) {
      return Decision.reject(RejectionCodes.INVALID_ARGUMENT, "interfaceName", "interface name must have 1 to 15 characters");
    }
    if (ep.getState() == EndpointState.ENDPOINT_STATE_READY
        && ep.getIpv4().equals(cmd.getIpv4()) && ep.getInterfaceName().equals(cmd.getInterfaceName())) {
      return Decision.nothing();
    }
    return Decision.accept(Event.newBuilder().setEndpointReady(EndpointReady.newBuilder()
        .setName(ep.getName()).setIpv4(cmd.getIpv4()).setInterfaceName(cmd.getInterfaceName())));
  }

  static Decision delete(ClusterImage image, DeleteEndpoint cmd) {
    Optional<Endpoint> found = image.endpoints().get(cmd.getName());
    if (found.isEmpty()) {
      return Decision.reject(RejectionCodes.NOT_FOUND, "name", "no endpoint named " + cmd.getName());
    }
    Endpoint ep = found.get();
    Identity identity = image.identities().get(ep.getIdentity())
        .orElseThrow(() -> new IllegalStateException("endpoint " + ep.getName() + " has unknown identity " + ep.getIdentity()));
    if (identity.getReferences() == 1) {
      return Decision.accept(
          Event.newBuilder().setEndpointDeleted(EndpointDeleted.newBuilder().setName(ep.getName()).setIdentity(ep.getIdentity())),
          Event.newBuilder().setIdentityReleased(IdentityReleased.newBuilder().setId(identity.getId())));
    }
    return Decision.accept(Event.newBuilder().setEndpointDeleted(EndpointDeleted.newBuilder().setName(ep.getName()).setIdentity(ep.getIdentity())));
  }
}
