package io.nodus.rest.policy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.LabelSelectorRequirement.Operator;
import java.util.Map;
import java.util.Set;

/**
 * Label selectors as documents write them ({@code matchLabels}, {@code matchExpressions}). In
 * Cilium documents a key may carry a source ({@code k8s:app}); without one it matches labels of
 * any source.
 */
final class Selectors {
  private static final Set<String> SELECTOR_FIELDS = Set.of("matchLabels", "matchExpressions");
  private static final Set<String> EXPRESSION_FIELDS = Set.of("key", "operator", "values");

  private Selectors() {}

  /** A Cilium selector: keys split into source and key. */
  static EndpointSelector cilium(DocNode n) {
    return parse(n, Labels::splitSelectorKey);
  }

  /**
   * A selector whose keys are plain Kubernetes label keys, mapped by {@code keys} to (source, key)
   * pairs, e.g. a NetworkPolicy podSelector.
   */
  static EndpointSelector parse(DocNode n, java.util.function.Function<String, String[]> keys) {
    n.requireObject(SELECTOR_FIELDS, Set.of());
    EndpointSelector.Builder s = EndpointSelector.newBuilder();
    for (Map.Entry<String, String> e : n.stringMap("matchLabels").entrySet()) {
      String[] sk = keys.apply(e.getKey());
      s.addMatchLabels(Labels.label(sk[0], sk[1], e.getValue()));
    }
    for (DocNode x : n.list("matchExpressions")) {
      x.requireObject(EXPRESSION_FIELDS, Set.of());
      String[] sk = keys.apply(x.requiredString("key"));
      String op = x.requiredString("operator");
      Operator operator = switch (op) {
        case "In" -> Operator.IN;
        case "NotIn" -> Operator.NOT_IN;
        case "Exists" -> Operator.EXISTS;
        case "DoesNotExist" -> Operator.DOES_NOT_EXIST;
        default -> throw InvalidFieldException.invalid(x.child("operator"),
            "operator '" + op + "' is not one of In, NotIn, Exists, DoesNotExist");
      };
      s.addMatchExpressions(LabelSelectorRequirement.newBuilder()
          .setSource(sk[0]).setKey(sk[1]).setOperator(operator).addAllValues(x.strings("values")));
    }
    return s.build();
  }
}
