package io.nodus.state.policy;

import io.nodus.state.model.Labels;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;

/**
 * Makes the implicit meaning of a namespaced policy explicit, as Cilium does when it imports a
 * CiliumNetworkPolicy: its endpointSelector only selects endpoints of its namespace, and a peer
 * selector that does not name a namespace only selects peers of that namespace. Cluster-wide
 * policies (empty namespace) are left alone.
 */
public final class PolicyNormalizer {
  private PolicyNormalizer() {}

  public static Policy normalize(Policy policy) {
    String ns = policy.getNamespace();
    if (ns.isEmpty()) {
      return policy;
    }
    Policy.Builder out = policy.toBuilder().clearRules();
    for (PolicyRule rule : policy.getRulesList()) {
      PolicyRule.Builder r = rule.toBuilder();
      r.setEndpointSelector(withNamespace(rule.getEndpointSelector(), ns));
      r.clearIngress().clearEgress();
      for (PeerRule p : rule.getIngressList()) {
        r.addIngress(scopePeers(p, ns));
      }
      for (PeerRule p : rule.getEgressList()) {
        r.addEgress(scopePeers(p, ns));
      }
      out.addRules(r);
    }
    return out.build();
  }

  private static PeerRule scopePeers(PeerRule rule, String ns) {
    PeerRule.Builder b = rule.toBuilder().clearEndpoints();
    for (EndpointSelector s : rule.getEndpointsList()) {
      b.addEndpoints(namesNamespace(s) ? s : withNamespace(s, ns));
    }
    return b.build();
  }

  private static boolean namesNamespace(EndpointSelector s) {
    for (Label l : s.getMatchLabelsList()) {
      if (l.getKey().equals(Labels.NAMESPACE_KEY)) {
        return true;
      }
    }
    for (LabelSelectorRequirement r : s.getMatchExpressionsList()) {
      if (r.getKey().equals(Labels.NAMESPACE_KEY)) {
        return true;
      }
    }
    return false;
  }

  private static EndpointSelector withNamespace(EndpointSelector s, String ns) {
    Label label = Labels.label(Labels.SOURCE_K8S, Labels.NAMESPACE_KEY, ns);
    if (s.getMatchLabelsList().contains(label)) {
      return s;
    }
    return s.toBuilder().addMatchLabels(label).build();
  }
}
