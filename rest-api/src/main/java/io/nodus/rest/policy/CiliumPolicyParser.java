package io.nodus.rest.policy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.policy.Entities;
import io.nodus.state.proto.CidrRule;
import io.nodus.state.proto.DefaultDeny;
import io.nodus.state.proto.FqdnSelector;
import io.nodus.state.proto.K8sService;
import io.nodus.state.proto.K8sServiceSelector;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.ServiceSelector;
import java.util.Set;

/**
 * Parses the body of a Cilium policy rule ({@code spec} or an element of {@code specs}) into a
 * {@link PolicyRule}, strictly: every field of the CiliumNetworkPolicy model is read; fields
 * Cilium knows but Nodus does not implement (groups, nodes, authentication, TLS, listeners,
 * logging) are refused by name, so a user never believes a rule is in force when it is not;
 * anything else is an unknown field. Values are checked for shape here (types, entity and
 * protocol names); the model rules (CIDRs, ranges, selectors, L7 constraints) are checked by
 * {@link io.nodus.state.policy.PolicyValidator} with the same document paths.
 */
final class CiliumPolicyParser {
  private static final Set<String> RULE_FIELDS = Set.of("endpointSelector", "nodeSelector", "ingress", "ingressDeny", "egress",
      "egressDeny", "labels", "description", "enableDefaultDeny");
  private static final Set<String> RULE_LATER = Set.of("log");
  private static final Set<String> INGRESS_FIELDS = Set.of("fromEndpoints", "fromRequires", "fromCIDR", "fromCIDRSet", "fromEntities",
      "toPorts", "icmps");
  private static final Set<String> INGRESS_LATER = Set.of("fromGroups", "fromNodes", "authentication");
  private static final Set<String> EGRESS_FIELDS = Set.of("toEndpoints", "toRequires", "toCIDR", "toCIDRSet", "toEntities",
      "toServices", "toFQDNs", "toPorts", "icmps");
  private static final Set<String> EGRESS_DENY_FIELDS = Set.of("toEndpoints", "toRequires", "toCIDR", "toCIDRSet", "toEntities",
      "toServices", "toPorts", "icmps");
  private static final Set<String> EGRESS_LATER = Set.of("toGroups", "toNodes", "authentication");
  private static final Set<String> CIDR_SET_FIELDS = Set.of("cidr", "except");
  private static final Set<String> CIDR_SET_LATER = Set.of("cidrGroupRef", "cidrGroupSelector");
  private static final Set<String> SERVICE_FIELDS = Set.of("k8sService", "k8sServiceSelector");
  private static final Set<String> FQDN_FIELDS = Set.of("matchName", "matchPattern");
  private static final Set<String> DEFAULT_DENY_FIELDS = Set.of("ingress", "egress");
  private static final Set<String> LABEL_FIELDS = Set.of("key", "value", "source");

  private CiliumPolicyParser() {}

  static PolicyRule rule(DocNode n, String legacyDescription) {
    n.requireObject(RULE_FIELDS, RULE_LATER);
    PolicyRule.Builder r = PolicyRule.newBuilder();
    DocNode selector = n.get("endpointSelector");
    if (selector != null) {
      r.setEndpointSelector(Selectors.cilium(selector));
    }
    DocNode nodes = n.get("nodeSelector");
    if (nodes != null) {
      r.setNodeSelector(Selectors.cilium(nodes));
    }
    if (selector == null && nodes == null) {
      throw InvalidFieldException.invalid(n.child("endpointSelector"), "endpointSelector (or, cluster-wide, nodeSelector) is required");
    }
    for (DocNode i : n.list("ingress")) {
      r.addIngress(peerRule(i, true, false));
    }
    for (DocNode i : n.list("ingressDeny")) {
      r.addIngressDeny(peerRule(i, true, true));
    }
    for (DocNode e : n.list("egress")) {
      r.addEgress(peerRule(e, false, false));
    }
    for (DocNode e : n.list("egressDeny")) {
      r.addEgressDeny(peerRule(e, false, true));
    }
    for (DocNode l : n.list("labels")) {
      l.requireObject(LABEL_FIELDS, Set.of());
      String source = l.string("source");
      String value = l.string("value");
      r.addLabels(Labels.label(source == null || source.isEmpty() ? "unspec" : source, l.requiredString("key"), value == null ? "" : value));
    }
    DocNode dd = n.get("enableDefaultDeny");
    if (dd != null) {
      dd.requireObject(DEFAULT_DENY_FIELDS, Set.of());
      DefaultDeny.Builder b = DefaultDeny.newBuilder();
      if (dd.bool("ingress") != null) {
        b.setIngress(dd.bool("ingress"));
      }
      if (dd.bool("egress") != null) {
        b.setEgress(dd.bool("egress"));
      }
      r.setEnableDefaultDeny(b);
    }
    String description = n.string("description");
    r.setDescription(description != null ? description : legacyDescription == null ? "" : legacyDescription);
    return r.build();
  }

  private static PeerRule peerRule(DocNode n, boolean ingress, boolean deny) {
    String dir = ingress ? "from" : "to";
    n.requireObject(ingress ? INGRESS_FIELDS : deny ? EGRESS_DENY_FIELDS : EGRESS_FIELDS, ingress ? INGRESS_LATER : EGRESS_LATER);
    PeerRule.Builder p = PeerRule.newBuilder();
    for (DocNode s : n.list(dir + "Endpoints")) {
      p.addEndpoints(Selectors.cilium(s));
    }
    for (DocNode s : n.list(dir + "Requires")) {
      p.addRequires(Selectors.cilium(s));
    }
    p.addAllCidrs(n.strings(dir + "CIDR"));
    for (DocNode c : n.list(dir + "CIDRSet")) {
      c.requireObject(CIDR_SET_FIELDS, CIDR_SET_LATER);
      p.addCidrSet(CidrRule.newBuilder().setCidr(c.requiredString("cidr")).addAllExcept(c.strings("except")));
    }
    for (DocNode e : n.list(dir + "Entities")) {
      if (!e.node().isTextual()) {
        throw e.error("must be a string, not " + DocNode.kind(e.node()));
      }
      p.addEntities(Entities.parse(e.node().textValue(), e.path()));
    }
    for (DocNode s : n.list("toServices")) {
      p.addServices(service(s));
    }
    for (DocNode f : n.list("toFQDNs")) {
      f.requireObject(FQDN_FIELDS, Set.of());
      p.addFqdns(FqdnSelector.newBuilder().setMatchName(orEmpty(f.string("matchName"))).setMatchPattern(orEmpty(f.string("matchPattern"))));
    }
    for (DocNode pr : n.list("toPorts")) {
      p.addToPorts(PortRuleParser.portRule(pr, deny));
    }
    for (DocNode i : n.list("icmps")) {
      p.addIcmps(PortRuleParser.icmp(i));
    }
    return p.build();
  }

  private static ServiceSelector service(DocNode n) {
    n.requireObject(SERVICE_FIELDS, Set.of());
    ServiceSelector.Builder s = ServiceSelector.newBuilder();
    DocNode byName = n.get("k8sService");
    if (byName != null) {
      byName.requireObject(Set.of("serviceName", "namespace"), Set.of());
      s.setK8SService(K8sService.newBuilder().setServiceName(orEmpty(byName.string("serviceName")))
          .setNamespace(orEmpty(byName.string("namespace"))));
    }
    DocNode bySelector = n.get("k8sServiceSelector");
    if (bySelector != null) {
      bySelector.requireObject(Set.of("selector", "namespace"), Set.of());
      K8sServiceSelector.Builder b = K8sServiceSelector.newBuilder().setNamespace(orEmpty(bySelector.string("namespace")));
      DocNode sel = bySelector.get("selector");
      if (sel != null) {
        b.setSelector(Selectors.cilium(sel));
      }
      s.setK8SServiceSelector(b);
    }
    return s.build();
  }

  static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
