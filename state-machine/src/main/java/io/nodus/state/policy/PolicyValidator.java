package io.nodus.state.policy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.model.Names;
import io.nodus.state.proto.CidrRule;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Entity;
import io.nodus.state.proto.FqdnSelector;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.ServiceSelector;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.regex.Pattern;

/**
 * Checks a policy against the rules of the model and throws {@link InvalidFieldException} naming
 * the first offending field with its document name ({@code spec.egress[0].toCIDRSet[1].except[0]}).
 * The REST layer runs it before submitting, with document paths; decide runs it again (paths
 * {@code rules[i]...}), so nothing invalid reaches the state. Port, L7 and ICMP rules are
 * checked by {@link PortRules}.
 */
public final class PolicyValidator {
  /** Upper bound on the size of a stored document, in characters. */
  public static final int MAX_DOCUMENT_CHARS = 512 * 1024;
  public static final String CNP = "CiliumNetworkPolicy";
  public static final String CCNP = "CiliumClusterwideNetworkPolicy";
  public static final String K8S_NP = "NetworkPolicy";

  private static final Set<String> KINDS = Set.of(CNP, CCNP, K8S_NP);
  // Cilium's FQDN syntax: DNS characters, dots between labels, an optional trailing dot; '*' in patterns.
  private static final Pattern FQDN_NAME = Pattern.compile("([-a-zA-Z0-9_]+[.]?)+");
  private static final Pattern FQDN_PATTERN = Pattern.compile("([-a-zA-Z0-9_*]+[.]?)+");

  private PolicyValidator() {}

  /** Validates with rule paths {@code rules[i]}. */
  public static void validate(Policy policy) {
    validate(policy, i -> "rules[" + i + "]");
  }

  /** Validates, naming rule {@code i} as {@code rulePath.apply(i)} in errors. */
  public static void validate(Policy policy, IntFunction<String> rulePath) {
    Names.requireDnsSubdomain(policy.getName(), "metadata.name");
    boolean clusterWide = policy.getNamespace().isEmpty();
    if (!clusterWide) {
      Names.requireDnsLabel(policy.getNamespace(), "metadata.namespace");
    }
    String kind = policy.getKind();
    if (!kind.isEmpty()) {
      if (!KINDS.contains(kind)) {
        throw InvalidFieldException.invalid("kind", "kind '" + kind + "' is not one of " + CNP + ", " + CCNP + ", " + K8S_NP);
      }
      if (kind.equals(CCNP) != clusterWide) {
        throw InvalidFieldException.invalid("metadata.namespace", kind.equals(CCNP)
            ? "a " + CCNP + " is cluster-wide and has no namespace" : "a " + kind + " needs a namespace");
      }
    }
    // A UTF-8 document has at least as many bytes as chars: only a long one is decoded to count
    // them. (Decoding would also make the message hold a String, which every serialization of
    // the policy then encodes again.)
    if (policy.getOriginalDocumentBytes().size() > MAX_DOCUMENT_CHARS
        && policy.getOriginalDocument().length() > MAX_DOCUMENT_CHARS) {
      throw InvalidFieldException.invalid("", "the policy document is larger than " + MAX_DOCUMENT_CHARS + " characters");
    }
    for (Label l : policy.getLabels().getLabelsList()) {
      Labels.validateKey(l.getKey(), "metadata.labels." + l.getKey());
      Labels.validateValue(l.getValue(), "metadata.labels." + l.getKey());
    }
    if (policy.getRulesCount() == 0) {
      throw InvalidFieldException.invalid("spec", "a policy needs a spec or a non-empty specs list");
    }
    for (int i = 0; i < policy.getRulesCount(); i++) {
      validateRule(policy.getRules(i), rulePath.apply(i), clusterWide);
    }
  }

  private static void validateRule(PolicyRule rule, String path, boolean clusterWide) {
    if (rule.hasEndpointSelector() == rule.hasNodeSelector()) {
      throw rule.hasNodeSelector()
          ? InvalidFieldException.invalid(path + ".nodeSelector", "a rule has either endpointSelector or nodeSelector, not both")
          : InvalidFieldException.invalid(path + ".endpointSelector", "endpointSelector (or, cluster-wide, nodeSelector) is required");
    }
    if (rule.hasEndpointSelector()) {
      validateSelector(rule.getEndpointSelector(), path + ".endpointSelector");
    } else {
      if (!clusterWide) {
        throw InvalidFieldException.invalid(path + ".nodeSelector", "nodeSelector is only allowed in a " + CCNP);
      }
      validateSelector(rule.getNodeSelector(), path + ".nodeSelector");
    }
    for (int i = 0; i < rule.getLabelsCount(); i++) {
      Label l = rule.getLabels(i);
      Labels.validateKey(l.getKey(), path + ".labels[" + i + "].key");
      Labels.validateValue(l.getValue(), path + ".labels[" + i + "].value");
    }
    validatePeers(rule.getIngressList(), path + ".ingress", true, false);
    validatePeers(rule.getIngressDenyList(), path + ".ingressDeny", true, true);
    validatePeers(rule.getEgressList(), path + ".egress", false, false);
    validatePeers(rule.getEgressDenyList(), path + ".egressDeny", false, true);
  }

  private static void validatePeers(List<PeerRule> rules, String path, boolean ingress, boolean deny) {
    String dir = ingress ? "from" : "to";
    for (int i = 0; i < rules.size(); i++) {
      PeerRule r = rules.get(i);
      String p = path + "[" + i + "].";
      for (int j = 0; j < r.getEndpointsCount(); j++) {
        validateSelector(r.getEndpoints(j), p + dir + "Endpoints[" + j + "]");
      }
      for (int j = 0; j < r.getRequiresCount(); j++) {
        validateSelector(r.getRequires(j), p + dir + "Requires[" + j + "]");
      }
      for (int j = 0; j < r.getCidrsCount(); j++) {
        IpPrefix.parse(r.getCidrs(j), p + dir + "CIDR[" + j + "]", true);
      }
      for (int j = 0; j < r.getCidrSetCount(); j++) {
        validateCidrRule(r.getCidrSet(j), p + dir + "CIDRSet[" + j + "]");
      }
      for (int j = 0; j < r.getEntitiesCount(); j++) {
        Entity e = r.getEntities(j);
        if (e == Entity.ENTITY_UNSPECIFIED || e == Entity.UNRECOGNIZED) {
          throw InvalidFieldException.invalid(p + dir + "Entities[" + j + "]", "unknown entity; expected one of " + Entities.names());
        }
      }
      if (r.getServicesCount() > 0 && ingress) {
        throw InvalidFieldException.invalid(p + "toServices", "toServices is only allowed in egress rules");
      }
      for (int j = 0; j < r.getServicesCount(); j++) {
        validateService(r.getServices(j), p + "toServices[" + j + "]");
      }
      if (r.getFqdnsCount() > 0 && (ingress || deny)) {
        throw InvalidFieldException.invalid(p + "toFQDNs", "toFQDNs is only allowed in egress (allow) rules");
      }
      for (int j = 0; j < r.getFqdnsCount(); j++) {
        validateFqdn(r.getFqdns(j), p + "toFQDNs[" + j + "]");
      }
      PortRules.validate(r, path + "[" + i + "]", ingress, deny);
    }
  }

  /**
   * Validates a CIDRSet entry (or a K8s ipBlock): {@code cidr} a prefix, every {@code except} a
   * prefix of the same family inside it. {@code path} names the entry.
   */
  public static void validateCidrRule(CidrRule c, String path) {
    IpPrefix cidr = IpPrefix.parse(c.getCidr(), path + ".cidr", false);
    for (int k = 0; k < c.getExceptCount(); k++) {
      String at = path + ".except[" + k + "]";
      IpPrefix except = IpPrefix.parse(c.getExcept(k), at, false);
      if (!cidr.contains(except)) {
        throw InvalidFieldException.invalid(at, "except prefix " + except + " is not inside " + cidr);
      }
    }
  }

  private static void validateService(ServiceSelector s, String path) {
    if (s.hasK8SService() == s.hasK8SServiceSelector()) {
      throw InvalidFieldException.invalid(path, "a toServices entry needs exactly one of k8sService, k8sServiceSelector");
    }
    if (s.hasK8SService()) {
      Names.requireDnsLabel(s.getK8SService().getServiceName(), path + ".k8sService.serviceName");
      if (!s.getK8SService().getNamespace().isEmpty()) {
        Names.requireDnsLabel(s.getK8SService().getNamespace(), path + ".k8sService.namespace");
      }
    } else {
      if (!s.getK8SServiceSelector().hasSelector()) {
        throw InvalidFieldException.invalid(path + ".k8sServiceSelector.selector", "selector is required");
      }
      validateSelector(s.getK8SServiceSelector().getSelector(), path + ".k8sServiceSelector.selector");
      if (!s.getK8SServiceSelector().getNamespace().isEmpty()) {
        Names.requireDnsLabel(s.getK8SServiceSelector().getNamespace(), path + ".k8sServiceSelector.namespace");
      }
    }
  }

  /** A toFQDNs entry or DNS rule: exactly one of matchName, matchPattern, in DNS syntax. */
  public static void validateFqdn(FqdnSelector f, String path) {
    boolean name = !f.getMatchName().isEmpty();
    boolean pattern = !f.getMatchPattern().isEmpty();
    if (name == pattern) {
      throw InvalidFieldException.invalid(path, "exactly one of matchName, matchPattern is required");
    }
    String value = name ? f.getMatchName() : f.getMatchPattern();
    if (value.length() > 255 || !(name ? FQDN_NAME : FQDN_PATTERN).matcher(value).matches()) {
      throw InvalidFieldException.invalid(path + (name ? ".matchName" : ".matchPattern"),
          "'" + value + "' is not a DNS name" + (name ? "" : " pattern") + " (letters, digits, '-', '_'"
              + (name ? "" : ", '*'") + " and dots, at most 255 characters)");
    }
  }

  /** Validates a label selector; {@code path} names it in errors. */
  public static void validateSelector(EndpointSelector s, String path) {
    for (Label l : s.getMatchLabelsList()) {
      Labels.validateSelectorLabel(l.getSource(), l.getKey(), l.getValue(), path + ".matchLabels." + selectorKey(l.getSource(), l.getKey()));
    }
    for (int i = 0; i < s.getMatchExpressionsCount(); i++) {
      LabelSelectorRequirement r = s.getMatchExpressions(i);
      String p = path + ".matchExpressions[" + i + "]";
      Labels.validateSelectorLabel(r.getSource(), r.getKey(), null, p + ".key");
      switch (r.getOperator()) {
        case IN, NOT_IN -> {
          if (r.getValuesCount() == 0) {
            throw InvalidFieldException.invalid(p + ".values", "operator " + operatorName(r) + " needs at least one value");
          }
          for (int j = 0; j < r.getValuesCount(); j++) {
            Labels.validateValue(r.getValues(j), p + ".values[" + j + "]");
          }
        }
        case EXISTS, DOES_NOT_EXIST -> {
          if (r.getValuesCount() != 0) {
            throw InvalidFieldException.invalid(p + ".values", "operator " + operatorName(r) + " takes no values");
          }
        }
        default -> throw InvalidFieldException.invalid(p + ".operator", "operator must be In, NotIn, Exists or DoesNotExist");
      }
    }
  }

  private static String selectorKey(String source, String key) {
    return source.equals(Labels.SOURCE_ANY) ? key : source + ":" + key;
  }

  private static String operatorName(LabelSelectorRequirement r) {
    return switch (r.getOperator()) {
      case IN -> "In";
      case NOT_IN -> "NotIn";
      case EXISTS -> "Exists";
      case DOES_NOT_EXIST -> "DoesNotExist";
      default -> r.getOperator().name();
    };
  }
}
