package io.nodus.rest.policy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.policy.LabelSelectors;
import io.nodus.state.policy.PolicyValidator;
import io.nodus.state.policy.PortRules;
import io.nodus.state.proto.CidrRule;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Entity;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import java.util.List;
import java.util.Set;

/**
 * Converts the spec of a Kubernetes NetworkPolicy (networking.k8s.io/v1) into one Cilium rule, as
 * Cilium does, validating with the Kubernetes document's own paths
 * ({@code spec.ingress[0].from[1].ipBlock.except[0]}):
 *
 * <ul>
 *   <li>{@code podSelector} becomes the endpointSelector (the normalizer confines it to the
 *       policy's namespace; the empty selector means every pod of the namespace). Pod label keys
 *       are matched with the {@code k8s} source.
 *   <li>{@code policyTypes} decides the directions (absent: Ingress, plus Egress when there are
 *       egress rules); a listed direction without rules becomes {@code [{}]}, default deny with
 *       no allow; rules of an unlisted direction are ignored, as Kubernetes specifies.
 *   <li>A rule without {@code from}/{@code to} allows every peer (entity {@code all}); peers are
 *       alternatives: {@code podSelector} (same namespace), {@code namespaceSelector} (with or
 *       without a podSelector), {@code ipBlock} (a CIDRSet).
 *   <li>Namespace selectors use Cilium's convention: a namespace label {@code k} becomes the pod
 *       label {@code k8s:io.cilium.k8s.namespace.labels.k}, except
 *       {@code kubernetes.io/metadata.name}, which Kubernetes sets to the namespace's name and so
 *       becomes {@code k8s:io.kubernetes.pod.namespace}; the empty namespaceSelector selects pods
 *       of every namespace.
 *   <li>Ports: numbers (1..65535), endPort ranges, protocol TCP (the default), UDP or SCTP;
 *       named ports are refused.
 * </ul>
 */
final class KubernetesPolicyParser {
  private static final Set<String> SPEC_FIELDS = Set.of("podSelector", "policyTypes", "ingress", "egress");
  private static final Set<String> INGRESS_FIELDS = Set.of("from", "ports");
  private static final Set<String> EGRESS_FIELDS = Set.of("to", "ports");
  private static final Set<String> PEER_FIELDS = Set.of("podSelector", "namespaceSelector", "ipBlock");
  private static final Set<String> PORT_FIELDS = Set.of("port", "endPort", "protocol");
  private static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

  private KubernetesPolicyParser() {}

  static PolicyRule rule(DocNode spec) {
    spec.requireObject(SPEC_FIELDS, Set.of());
    DocNode pods = spec.get("podSelector");
    if (pods == null && !spec.node().has("podSelector")) {
      throw InvalidFieldException.invalid(spec.child("podSelector"), "podSelector is required ({} selects every pod of the namespace)");
    }
    EndpointSelector podSelector = pods == null ? EndpointSelector.getDefaultInstance() : podSelector(pods);
    List<String> types = spec.strings("policyTypes");
    for (int i = 0; i < types.size(); i++) {
      if (!types.get(i).equals("Ingress") && !types.get(i).equals("Egress")) {
        throw InvalidFieldException.invalid(spec.child("policyTypes") + "[" + i + "]", "policy type '" + types.get(i) + "' is not Ingress or Egress");
      }
    }
    List<DocNode> ingress = spec.list("ingress");
    List<DocNode> egress = spec.list("egress");
    boolean hasIngress = types.isEmpty() || types.contains("Ingress");
    boolean hasEgress = types.isEmpty() ? !egress.isEmpty() : types.contains("Egress");
    PolicyRule.Builder r = PolicyRule.newBuilder().setEndpointSelector(podSelector);
    if (hasIngress) {
      for (DocNode i : ingress) {
        r.addIngress(peerRule(i, true));
      }
      if (ingress.isEmpty()) {
        r.addIngress(PeerRule.getDefaultInstance());
      }
    }
    if (hasEgress) {
      for (DocNode e : egress) {
        r.addEgress(peerRule(e, false));
      }
      if (egress.isEmpty()) {
        r.addEgress(PeerRule.getDefaultInstance());
      }
    }
    return r.build();
  }

  private static PeerRule peerRule(DocNode n, boolean ingress) {
    n.requireObject(ingress ? INGRESS_FIELDS : EGRESS_FIELDS, Set.of());
    PeerRule.Builder p = PeerRule.newBuilder();
    List<DocNode> peers = n.list(ingress ? "from" : "to");
    if (peers.isEmpty()) {
      // "If this field is empty or missing, this rule matches all sources/destinations."
      p.addEntities(Entity.ENTITY_ALL);
    }
    for (DocNode peer : peers) {
      peer.requireObject(PEER_FIELDS, Set.of());
      DocNode block = peer.get("ipBlock");
      DocNode pods = peer.get("podSelector");
      DocNode namespaces = peer.get("namespaceSelector");
      if (block != null) {
        if (pods != null || namespaces != null) {
          throw peer.error("ipBlock cannot be combined with podSelector or namespaceSelector in one peer");
        }
        block.requireObject(Set.of("cidr", "except"), Set.of());
        CidrRule c = CidrRule.newBuilder().setCidr(block.requiredString("cidr")).addAllExcept(block.strings("except")).build();
        PolicyValidator.validateCidrRule(c, block.path());
        p.addCidrSet(c);
      } else if (pods == null && namespaces == null) {
        throw peer.error("a peer needs a podSelector, a namespaceSelector or an ipBlock");
      } else {
        EndpointSelector.Builder s = (pods == null ? EndpointSelector.getDefaultInstance() : podSelector(pods)).toBuilder();
        if (namespaces != null) {
          s.mergeFrom(namespaceSelector(namespaces));
        }
        p.addEndpoints(s);
      }
    }
    for (DocNode port : n.list("ports")) {
      p.addToPorts(port(port));
    }
    return p.build();
  }

  /** A Kubernetes selector, validated with its plain keys (as the document names them). */
  private static EndpointSelector plain(DocNode n) {
    EndpointSelector s = Selectors.parse(n, k -> new String[] {Labels.SOURCE_ANY, k});
    PolicyValidator.validateSelector(s, n.path());
    return s;
  }

  /** A podSelector: its keys name pod labels, which Kubernetes attaches with the k8s source. */
  private static EndpointSelector podSelector(DocNode n) {
    EndpointSelector plain = plain(n);
    EndpointSelector.Builder out = EndpointSelector.newBuilder();
    plain.getMatchLabelsList().forEach(l -> out.addMatchLabels(l.toBuilder().setSource(Labels.SOURCE_K8S)));
    plain.getMatchExpressionsList().forEach(r -> out.addMatchExpressions(r.toBuilder().setSource(Labels.SOURCE_K8S)));
    return out.build();
  }

  /** A namespaceSelector as a selector over pod labels (see the class comment). */
  private static EndpointSelector namespaceSelector(DocNode n) {
    EndpointSelector plain = plain(n);
    if (LabelSelectors.isWildcard(plain)) {
      return EndpointSelector.newBuilder().addMatchExpressions(LabelSelectorRequirement.newBuilder()
          .setSource(Labels.SOURCE_K8S).setKey(Labels.NAMESPACE_KEY).setOperator(LabelSelectorRequirement.Operator.EXISTS)).build();
    }
    EndpointSelector.Builder out = EndpointSelector.newBuilder();
    plain.getMatchLabelsList().forEach(l -> out.addMatchLabels(
        l.toBuilder().setSource(Labels.SOURCE_K8S).setKey(namespaceKey(l.getKey()))));
    plain.getMatchExpressionsList().forEach(r -> out.addMatchExpressions(
        r.toBuilder().setSource(Labels.SOURCE_K8S).setKey(namespaceKey(r.getKey()))));
    EndpointSelector converted = out.build();
    PolicyValidator.validateSelector(converted, n.path());
    return converted;
  }

  private static String namespaceKey(String key) {
    return key.equals(NAMESPACE_NAME_LABEL) ? Labels.NAMESPACE_KEY : LabelSelectors.NAMESPACE_LABELS_PREFIX + key;
  }

  private static PortRule port(DocNode n) {
    n.requireObject(PORT_FIELDS, Set.of());
    PortProtocol.Builder pp = PortProtocol.newBuilder().setPort(PortRuleParser.port(n.get("port"), false));
    DocNode end = n.get("endPort");
    if (end != null) {
      if (pp.getPort() == 0) {
        throw end.error("endPort needs a numeric port");
      }
      pp.setEndPort(PortRuleParser.endPort(end));
    }
    pp.setProtocol(PortRuleParser.protocol(n, false));
    PortRules.validatePort(pp.build(), n.path());
    return PortRule.newBuilder().addPorts(pp).build();
  }
}
