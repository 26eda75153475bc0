package io.nodus.state.policy;

import io.nodus.state.model.Labels;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.LabelSet;
import java.util.function.Predicate;

/**
 * Kubernetes label selector semantics over label sets, with Cilium's sources: a selector label
 * of source "any" matches a label of any source. An empty selector matches every set.
 */
public final class LabelSelectors {
  private LabelSelectors() {}

  public static boolean matches(EndpointSelector selector, LabelSet labels) {
    for (Label want : selector.getMatchLabelsList()) {
      if (!any(labels, want.getSource(), want.getKey(), v -> v.equals(want.getValue()))) {
        return false;
      }
    }
    for (LabelSelectorRequirement r : selector.getMatchExpressionsList()) {
      boolean ok = switch (r.getOperator()) {
        case IN -> any(labels, r.getSource(), r.getKey(), r.getValuesList()::contains);
        case NOT_IN -> !any(labels, r.getSource(), r.getKey(), r.getValuesList()::contains);
        case EXISTS -> any(labels, r.getSource(), r.getKey(), v -> true);
        case DOES_NOT_EXIST -> !any(labels, r.getSource(), r.getKey(), v -> true);
        case OPERATOR_UNSPECIFIED, UNRECOGNIZED -> false;
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean any(LabelSet labels, String source, String key, Predicate<String> value) {
    boolean anySource = source.equals(Labels.SOURCE_ANY);
    for (Label l : labels.getLabelsList()) {
      if (l.getKey().equals(key) && (anySource || l.getSource().equals(source)) && value.test(l.getValue())) {
        return true;
      }
    }
    return false;
  }
}
