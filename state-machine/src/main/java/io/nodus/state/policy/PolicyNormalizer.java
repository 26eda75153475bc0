package io.nodus.state.policy;

import io.nodus.state.model.Labels;
import io.nodus.state.proto.CidrRule;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import java.util.List;
import java.util.function.Consumer;

/**
 * Makes the implicit meaning of a policy explicit, so that the stored model says exactly what is
 * enforced:
 *
 * <ul>
 *   <li>A namespaced policy (CiliumNetworkPolicy, Kubernetes NetworkPolicy) only selects
 *       endpoints of its namespace, and a peer selector (fromEndpoints/toEndpoints and
 *       fromRequires/toRequires) that does not name a namespace (the pod namespace label or a
 *       {@code io.cilium.k8s.namespace.labels.*} label) only selects peers of that namespace, as
 *       Cilium does when it imports a CiliumNetworkPolicy. Cluster-wide policies keep their
 *       selectors.
 *   <li>CIDRs are stored in canonical text (a bare address becomes a host prefix, IPv6 in RFC 5952
 *       form), so equal policies have equal bytes and an idempotent upsert changes nothing.
 *   <li>The revision is cleared: the store sets it.
 * </ul>
 *
 * Applying it twice gives the same result as applying it once.
 */
public final class PolicyNormalizer {
  private PolicyNormalizer() {}

  public static Policy normalize(Policy policy) {
    String ns = policy.getNamespace();
    // The revision is the store's to set: a command's policy never carries one.
    Policy.Builder out = policy.toBuilder().clearRules().clearRevision();
    for (PolicyRule rule : policy.getRulesList()) {
      PolicyRule.Builder r = rule.toBuilder();
      if (!ns.isEmpty() && rule.hasEndpointSelector()) {
        r.setEndpointSelector(withNamespace(rule.getEndpointSelector(), ns));
      }
      r.clearIngress().clearEgress().clearIngressDeny().clearEgressDeny();
      each(rule.getIngressList(), ns, r::addIngress);
      each(rule.getIngressDenyList(), ns, r::addIngressDeny);
      each(rule.getEgressList(), ns, r::addEgress);
      each(rule.getEgressDenyList(), ns, r::addEgressDeny);
      out.addRules(r);
    }
    return out.build();
  }

  private static void each(List<PeerRule> rules, String ns, Consumer<PeerRule> add) {
    for (PeerRule p : rules) {
      add.accept(normalizePeers(p, ns));
    }
  }

  private static PeerRule normalizePeers(PeerRule rule, String ns) {
    PeerRule.Builder b = rule.toBuilder().clearEndpoints().clearRequires().clearCidrs().clearCidrSet();
    for (EndpointSelector s : rule.getEndpointsList()) {
      b.addEndpoints(scope(s, ns));
    }
    for (EndpointSelector s : rule.getRequiresList()) {
      b.addRequires(scope(s, ns));
    }
    for (String c : rule.getCidrsList()) {
      b.addCidrs(IpPrefix.parse(c, "", true).toString());
    }
    for (CidrRule c : rule.getCidrSetList()) {
      CidrRule.Builder cb = CidrRule.newBuilder().setCidr(IpPrefix.parse(c.getCidr(), "", false).toString());
      c.getExceptList().forEach(x -> cb.addExcept(IpPrefix.parse(x, "", false).toString()));
      b.addCidrSet(cb);
    }
    return b.build();
  }

  private static EndpointSelector scope(EndpointSelector s, String ns) {
    return ns.isEmpty() || LabelSelectors.namesNamespace(s) ? s : withNamespace(s, ns);
  }

  private static EndpointSelector withNamespace(EndpointSelector s, String ns) {
    Label label = Labels.label(Labels.SOURCE_K8S, Labels.NAMESPACE_KEY, ns);
    if (s.getMatchLabelsList().contains(label)) {
      return s;
    }
    return s.toBuilder().addMatchLabels(label).build();
  }
}
