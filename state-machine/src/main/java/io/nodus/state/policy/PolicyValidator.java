package io.nodus.state.policy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.model.Names;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Checks a policy against the rules of the model and throws {@link InvalidFieldException} naming
 * the first offending field. The REST layer runs it before submitting (with document paths such
 * as {@code spec.ingress[0]}); decide runs it again, so nothing invalid reaches the state.
 */
public final class PolicyValidator {
  /** Upper bound on the size of a stored document, in characters. */
  public static final int MAX_DOCUMENT_CHARS = 512 * 1024;

  private PolicyValidator() {}

  /** Validates with rule paths {@code rules[i]}. */
  public static void validate(Policy policy) {
    validate(policy, i -> "rules[" + i + "]");
  }

  /** Validates, naming rule {@code i} as {@code rulePath.apply(i)} in errors. */
  public static void validate(Policy policy, IntFunction<String> rulePath) {
    Names.requireDnsSubdomain(policy.getName(), "metadata.name");
    if (!policy.getNamespace().isEmpty()) {
      Names.requireDnsLabel(policy.getNamespace(), "metadata.namespace");
    }
    if (policy.getOriginalDocument().length() > MAX_DOCUMENT_CHARS) {
      throw InvalidFieldException.invalid("", "the policy document is larger than " + MAX_DOCUMENT_CHARS + " characters");
    }
    if (policy.getRulesCount() == 0) {
      throw InvalidFieldException.invalid("spec", "a policy needs a spec or a non-empty specs list");
    }
    for (int i = 0; i < policy.getRulesCount(); i++) {
      validateRule(policy.getRules(i), rulePath.apply(i));
    }
  }

  private static void validateRule(PolicyRule rule, String path) {
    if (!rule.hasEndpointSelector()) {
      throw InvalidFieldException.invalid(path + ".endpointSelector", "endpointSelector is required");
    }
    validateSelector(rule.getEndpointSelector(), path + ".endpointSelector");
    validatePeers(rule.getIngressList(), path + ".ingress", "fromEndpoints");
    validatePeers(rule.getEgressList(), path + ".egress", "toEndpoints");
  }

  private static void validatePeers(List<PeerRule> rules, String path, String endpointsField) {
    for (int i = 0; i < rules.size(); i++) {
      PeerRule r = rules.get(i);
      String p = path + "[" + i + "]";
      for (int j = 0; j < r.getEndpointsCount(); j++) {
        validateSelector(r.getEndpoints(j), p + "." + endpointsField + "[" + j + "]");
      }
      for (int j = 0; j < r.getToPortsCount(); j++) {
        validatePortRule(r.getToPorts(j), p + ".toPorts[" + j + "]");
      }
    }
  }

  /** Validates a label selector; {@code path} names it in errors. */
  public static void validateSelector(EndpointSelector s, String path) {
    for (Label l : s.getMatchLabelsList()) {
      Labels.validateSelectorLabel(l.getSource(), l.getKey(), l.getValue(), path + ".matchLabels." + l.getKey());
    }
    for (int i = 0; i < s.getMatchExpressionsCount(); i++) {
      LabelSelectorRequirement r = s.getMatchExpressions(i);
      String p = path + ".matchExpressions[" + i + "]";
      Labels.validateSelectorLabel(r.getSource(), r.getKey(), null, p + ".key");
      switch (r.getOperator()) {
        case IN, NOT_IN -> {
          if (r.getValuesCount() == 0) {
            throw InvalidFieldException.invalid(p + ".values", "operator " + r.getOperator() + " needs at least one value");
          }
          for (int j = 0; j < r.getValuesCount(); j++) {
            Labels.validateValue(r.getValues(j), p + ".values[" + j + "]");
          }
        }
        case EXISTS, DOES_NOT_EXIST -> {
          if (r.getValuesCount() != 0) {
            throw InvalidFieldException.invalid(p + ".values", "operator " + r.getOperator() + " takes no values");
          }
        }
        default -> throw InvalidFieldException.invalid(p + ".operator", "operator must be In, NotIn, Exists or DoesNotExist");
      }
    }
  }

  private static void validatePortRule(PortRule rule, String path) {
    if (rule.getPortsCount() == 0) {
      throw InvalidFieldException.invalid(path + ".ports", "a toPorts entry needs at least one port");
    }
    for (int i = 0; i < rule.getPortsCount(); i++) {
      PortProtocol pp = rule.getPorts(i);
      String p = path + ".ports[" + i + "]";
      if (pp.getPort() > 65535) {
        throw InvalidFieldException.invalid(p + ".port", "port " + pp.getPort() + " is outside 0..65535");
      }
      if (pp.getEndPort() != 0) {
        if (pp.getEndPort() > 65535 || pp.getEndPort() < pp.getPort() || pp.getPort() == 0) {
          throw InvalidFieldException.invalid(p + ".endPort",
              "endPort " + pp.getEndPort() + " must be at least port " + pp.getPort() + " (non-zero) and at most 65535");
        }
      }
      if (pp.getProtocol() == Protocol.UNRECOGNIZED || pp.getProtocol() == Protocol.ICMP) {
        throw InvalidFieldException.invalid(p + ".protocol", "protocol must be TCP, UDP, SCTP or ANY");
      }
    }
  }
}
