package io.nodus.state.policy;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.policy.PolicyEntry.Direction;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Resolves the policies that select an endpoint into its policy map entries, with Cilium's
 * meaning: a direction becomes default-deny as soon as a selecting rule has a non-empty list for
 * it; an L3 rule without ports allows all ports; an L4 rule without peers allows every peer; a
 * rule with neither ({@code ingress: [{}]}) allows nothing; a port without protocol means TCP, UDP
 * and SCTP. Traffic from the local host is always allowed into an endpoint, as Cilium's default.
 *
 * <p>Pure function of the image; the agent diffs its result against what is pinned.
 */
public final class PolicyResolver {
  private static final int[] ANY_PROTOCOLS = {Protocol.TCP_VALUE, Protocol.UDP_VALUE, Protocol.SCTP_VALUE};

  private PolicyResolver() {}

  /** The policy of an endpoint with {@code labels} under every policy of {@code image}. */
  public static EndpointPolicy resolve(ClusterImage image, LabelSet labels) {
    boolean ingress = false;
    boolean egress = false;
    SortedSet<PolicyEntry> entries = new TreeSet<>();
    for (Policy policy : image.policies().all()) {
      for (PolicyRule rule : policy.getRulesList()) {
        if (!LabelSelectors.matches(rule.getEndpointSelector(), labels)) {
          continue;
        }
        if (rule.getIngressCount() > 0) {
          ingress = true;
          emit(image, rule.getIngressList(), Direction.INGRESS, entries);
        }
        if (rule.getEgressCount() > 0) {
          egress = true;
          emit(image, rule.getEgressList(), Direction.EGRESS, entries);
        }
      }
    }
    if (!ingress && !egress) {
      return EndpointPolicy.UNENFORCED;
    }
    if (ingress) {
      entries.add(new PolicyEntry(ReservedIdentity.HOST.id(), 0, 0, Direction.INGRESS, false));
    }
    return new EndpointPolicy(ingress, egress, entries);
  }

  private static void emit(ClusterImage image, List<PeerRule> rules, Direction dir, SortedSet<PolicyEntry> out) {
    for (PeerRule rule : rules) {
      SortedSet<Integer> peers = peers(image, rule);
      if (peers.isEmpty()) {
        continue;
      }
      for (int peer : peers) {
        if (rule.getToPortsCount() == 0) {
          out.add(new PolicyEntry(peer, 0, 0, dir, false));
          continue;
        }
        for (PortRule pr : rule.getToPortsList()) {
          for (PortProtocol pp : pr.getPortsList()) {
            int last = pp.getEndPort() == 0 ? pp.getPort() : pp.getEndPort();
            int[] protocols = pp.getProtocol() == Protocol.PROTOCOL_ANY ? ANY_PROTOCOLS : new int[] {pp.getProtocolValue()};
            for (int proto : protocols) {
              out.add(new PolicyEntry(peer, pp.getPort(), last, proto, dir, false));
            }
          }
        }
      }
    }
  }

  /** Identities a rule's peer fields select: 0 (any) for an L4-only rule, nothing for an empty rule. */
  private static SortedSet<Integer> peers(ClusterImage image, PeerRule rule) {
    SortedSet<Integer> out = new TreeSet<>();
    if (rule.getEndpointsCount() == 0) {
      if (rule.getToPortsCount() > 0) {
        out.add(ReservedIdentity.ANY);
      }
      return out;
    }
    for (EndpointSelector s : rule.getEndpointsList()) {
      for (Identity id : image.identities().byId().values()) {
        if (LabelSelectors.matches(s, id.getLabels())) {
          out.add(id.getId());
        }
      }
    }
    return out;
  }
}
