package io.nodus.rest.policy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import java.util.Map;
import java.util.Set;

/**
 * Parses the body of a Cilium policy rule ({@code spec} or an element of {@code specs}) into a
 * {@link PolicyRule}. Fields Cilium knows but this version does not enforce yet are refused by
 * name, so a user never believes a rule is in force when it is not.
 */
final class CiliumPolicyParser {
  private static final Set<String> RULE_FIELDS = Set.of("endpointSelector", "ingress", "egress", "description");
  private static final Set<String> RULE_LATER = Set.of("nodeSelector", "ingressDeny", "egressDeny", "labels", "enableDefaultDeny", "log");
  private static final Set<String> INGRESS_FIELDS = Set.of("fromEndpoints", "toPorts");
  private static final Set<String> INGRESS_LATER = Set.of("fromCIDR", "fromCIDRSet", "fromEntities", "fromRequires", "fromGroups",
      "fromNodes", "icmps", "authentication");
  private static final Set<String> EGRESS_FIELDS = Set.of("toEndpoints", "toPorts");
  private static final Set<String> EGRESS_LATER = Set.of("toCIDR", "toCIDRSet", "toEntities", "toRequires", "toServices", "toFQDNs",
      "toGroups", "toNodes", "icmps", "authentication");
  private static final Set<String> PORT_RULE_FIELDS = Set.of("ports");
  private static final Set<String> PORT_RULE_LATER = Set.of("rules", "listener", "originatingTLS", "terminatingTLS", "serverNames");
  private static final Set<String> PORT_FIELDS = Set.of("port", "endPort", "protocol");
  private static final Set<String> SELECTOR_FIELDS = Set.of("matchLabels", "matchExpressions");
  private static final Set<String> EXPRESSION_FIELDS = Set.of("key", "operator", "values");

  private CiliumPolicyParser() {}

  static PolicyRule rule(DocNode n, String legacyDescription) {
    n.requireObject(RULE_FIELDS, RULE_LATER);
    PolicyRule.Builder r = PolicyRule.newBuilder();
    DocNode selector = n.get("endpointSelector");
    if (selector == null) {
      throw InvalidFieldException.invalid(n.child("endpointSelector"), "endpointSelector is required");
    }
    r.setEndpointSelector(selector(selector));
    for (DocNode i : n.list("ingress")) {
      r.addIngress(peerRule(i, INGRESS_FIELDS, INGRESS_LATER, "fromEndpoints"));
    }
    for (DocNode e : n.list("egress")) {
      r.addEgress(peerRule(e, EGRESS_FIELDS, EGRESS_LATER, "toEndpoints"));
    }
    String description = n.string("description");
    r.setDescription(description != null ? description : legacyDescription == null ? "" : legacyDescription);
    return r.build();
  }

  private static PeerRule peerRule(DocNode n, Set<String> fields, Set<String> later, String endpointsField) {
    n.requireObject(fields, later);
    PeerRule.Builder p = PeerRule.newBuilder();
    for (DocNode s : n.list(endpointsField)) {
      p.addEndpoints(selector(s));
    }
    for (DocNode pr : n.list("toPorts")) {
      p.addToPorts(portRule(pr));
    }
    return p.build();
  }

  private static PortRule portRule(DocNode n) {
    n.requireObject(PORT_RULE_FIELDS, PORT_RULE_LATER);
    PortRule.Builder r = PortRule.newBuilder();
    for (DocNode p : n.list("ports")) {
      p.requireObject(PORT_FIELDS, Set.of());
      PortProtocol.Builder pp = PortProtocol.newBuilder();
      pp.setPort(port(p.get("port")));
      DocNode end = p.get("endPort");
      if (end != null) {
        if (!end.node().canConvertToInt() || !end.node().isIntegralNumber()) {
          throw end.error("endPort must be an integer");
        }
        int value = end.node().intValue();
        if (value < 0 || value > 65535) {
          throw end.error("endPort " + value + " is outside 0..65535");
        }
        pp.setEndPort(value);
      }
      pp.setProtocol(protocol(p));
      r.addPorts(pp);
    }
    return r.build();
  }

  /** A port given as a number or a numeric string; 0 (or absent) means every port. */
  private static int port(DocNode n) {
    if (n == null) {
      return 0;
    }
    String text;
    if (n.node().isIntegralNumber()) {
      text = n.node().asText();
    } else if (n.node().isTextual()) {
      text = n.node().textValue();
    } else {
      throw n.error("port must be a number or a numeric string, not " + DocNode.kind(n.node()));
    }
    if (text.isEmpty()) {
      return 0;
    }
    if (!text.chars().allMatch(Character::isDigit)) {
      throw n.error("port '" + text + "' is not a number (named ports are not supported)");
    }
    if (text.length() > 5 || Integer.parseInt(text) > 65535) {
      throw n.error("port " + text + " is outside 0..65535");
    }
    return Integer.parseInt(text);
  }

  private static Protocol protocol(DocNode p) {
    String proto = p.string("protocol");
    if (proto == null || proto.isEmpty()) {
      return Protocol.PROTOCOL_ANY;
    }
    return switch (proto) {
      case "TCP" -> Protocol.TCP;
      case "UDP" -> Protocol.UDP;
      case "SCTP" -> Protocol.SCTP;
      case "ANY" -> Protocol.PROTOCOL_ANY;
      default -> throw InvalidFieldException.invalid(p.child("protocol"),
          "protocol '" + proto + "' is not one of TCP, UDP, SCTP, ANY");
    };
  }

  /** A label selector; keys may carry a source ({@code k8s:app}), otherwise they match any source. */
  static EndpointSelector selector(DocNode n) {
    n.requireObject(SELECTOR_FIELDS, Set.of());
    EndpointSelector.Builder s = EndpointSelector.newBuilder();
    for (Map.Entry<String, String> e : n.stringMap("matchLabels").entrySet()) {
      String[] sk = Labels.splitSelectorKey(e.getKey());
      s.addMatchLabels(Labels.label(sk[0], sk[1], e.getValue()));
    }
    for (DocNode x : n.list("matchExpressions")) {
      x.requireObject(EXPRESSION_FIELDS, Set.of());
      String[] sk = Labels.splitSelectorKey(x.requiredString("key"));
      String op = x.requiredString("operator");
      LabelSelectorRequirement.Operator operator = switch (op) {
        case "In" -> LabelSelectorRequirement.Operator.IN;
        case "NotIn" -> LabelSelectorRequirement.Operator.NOT_IN;
        case "Exists" -> LabelSelectorRequirement.Operator.EXISTS;
        case "DoesNotExist" -> LabelSelectorRequirement.Operator.DOES_NOT_EXIST;
        default -> throw InvalidFieldException.invalid(x.child("operator"),
            "operator '" + op + "' is not one of In, NotIn, Exists, DoesNotExist");
      };
      LabelSelectorRequirement.Builder req = LabelSelectorRequirement.newBuilder()
          .setSource(sk[0]).setKey(sk[1]).setOperator(operator);
      for (DocNode v : x.list("values")) {
        if (!v.node().isTextual()) {
          throw v.error("must be a string, not " + DocNode.kind(v.node()));
        }
        req.addValues(v.node().textValue());
      }
      s.addMatchExpressions(req);
    }
    return s.build();
  }
}
