package io.nodus.state.policy;

import io.nodus.state.model.Labels;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.LabelSet;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Kubernetes label selector semantics over label sets, with Cilium's sources: a selector label
 * of source "any" matches a label of any source. An empty selector matches every set.
 *
 * <p>Also the algebra the resolver needs: a canonical form (equal meaning, equal bytes, so a
 * selector can key a cache), conjunction with {@code fromRequires} selectors, and the key a
 * selector cannot match without (used to index selectors by the labels of a new identity).
 */
public final class LabelSelectors {
  /** Namespace labels as Cilium exposes them on pods: {@code io.cilium.k8s.namespace.labels.<key>}. */
  public static final String NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels.";

  private static final Comparator<Label> LABEL_ORDER =
      Comparator.comparing(Label::getSource).thenComparing(Label::getKey).thenComparing(Label::getValue);
  private static final Comparator<LabelSelectorRequirement> REQUIREMENT_ORDER = Comparator
      .comparing(LabelSelectorRequirement::getSource)
      .thenComparing(LabelSelectorRequirement::getKey)
      .thenComparing(LabelSelectorRequirement::getOperatorValue)
      .thenComparing(r -> String.join("\u0000", r.getValuesList()));

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

  /** Whether the selector has no requirement at all, so it selects every identity. */
  public static boolean isWildcard(EndpointSelector s) {
    return s.getMatchLabelsCount() == 0 && s.getMatchExpressionsCount() == 0;
  }

  /**
   * The canonical form: labels sorted and de-duplicated, expression values sorted and
   * de-duplicated, expressions sorted. Two selectors with the same meaning by construction
   * (reordered lists) get equal canonical forms.
   */
  public static EndpointSelector canonical(EndpointSelector s) {
    EndpointSelector.Builder b = EndpointSelector.newBuilder();
    TreeSet<Label> labels = new TreeSet<>(LABEL_ORDER);
    labels.addAll(s.getMatchLabelsList());
    labels.forEach(b::addMatchLabels);
    TreeSet<LabelSelectorRequirement> reqs = new TreeSet<>(REQUIREMENT_ORDER);
    for (LabelSelectorRequirement r : s.getMatchExpressionsList()) {
      reqs.add(r.toBuilder().clearValues().addAllValues(new TreeSet<>(r.getValuesList())).build());
    }
    reqs.forEach(b::addMatchExpressions);
    return b.build();
  }

  /**
   * {@code s} AND every selector in {@code required}, canonical. A required label becomes an
   * {@code In} requirement so that it constrains without being mistaken for a second value of the
   * same key (Cilium converts fromRequires the same way).
   */
  public static EndpointSelector and(EndpointSelector s, List<EndpointSelector> required) {
    if (required.isEmpty()) {
      return canonical(s);
    }
    EndpointSelector.Builder b = s.toBuilder();
    for (EndpointSelector r : required) {
      for (Label l : r.getMatchLabelsList()) {
        b.addMatchExpressions(LabelSelectorRequirement.newBuilder().setSource(l.getSource()).setKey(l.getKey())
            .setOperator(LabelSelectorRequirement.Operator.IN).addValues(l.getValue()));
      }
      b.addAllMatchExpressions(r.getMatchExpressionsList());
    }
    return canonical(b.build());
  }

  /**
   * A label key every identity the selector matches must carry (from a matchLabels entry or an
   * In/Exists requirement), or null when the selector can match sets without any given key.
   */
  public static String requiredKey(EndpointSelector s) {
    if (s.getMatchLabelsCount() > 0) {
      return s.getMatchLabels(0).getKey();
    }
    for (LabelSelectorRequirement r : s.getMatchExpressionsList()) {
      if (r.getOperator() == LabelSelectorRequirement.Operator.IN || r.getOperator() == LabelSelectorRequirement.Operator.EXISTS) {
        return r.getKey();
      }
    }
    return null;
  }

  /**
   * Whether the selector says which namespaces it selects: it names the pod namespace label or
   * a namespace label ({@link #NAMESPACE_LABELS_PREFIX}). A namespaced policy leaves such peer
   * selectors alone instead of confining them to its own namespace.
   */
  public static boolean namesNamespace(EndpointSelector s) {
    List<String> keys = new ArrayList<>();
    s.getMatchLabelsList().forEach(l -> keys.add(l.getKey()));
    s.getMatchExpressionsList().forEach(r -> keys.add(r.getKey()));
    for (String k : keys) {
      if (k.equals(Labels.NAMESPACE_KEY) || k.startsWith(NAMESPACE_LABELS_PREFIX)) {
        return true;
      }
    }
    return false;
  }
}
