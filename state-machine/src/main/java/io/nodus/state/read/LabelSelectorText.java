package io.nodus.state.read;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.LabelSelectorRequirement.Operator;
import java.util.ArrayList;
import java.util.List;

/**
 * The text form of a label selector, as {@code kubectl -l} and Kubernetes' {@code labelSelector}
 * query parameter write it: requirements separated by commas, all of which must hold.
 * <ul>
 *   <li>{@code key=value} or {@code key==value}: the label is present with that value;
 *   <li>{@code key!=value}: it is absent or has another value;
 *   <li>{@code key}: present; {@code !key}: absent;
 *   <li>{@code key in (a,b)}, {@code key notin (a,b)}: the value is one of them, or (notin) it is
 *       absent or none of them.
 * </ul>
 * A key may name a source ({@code k8s:app}); without one it matches a label of any source, as in
 * Cilium's selectors. The result is the {@link EndpointSelector} policies use, so a listing selects
 * exactly as a policy would.
 */
public final class LabelSelectorText {
  /** The parameter every error names. */
  public static final String FIELD = "labelSelector";
  /** Longest selector text accepted. */
  private static final int MAX_LENGTH = 4096;

  private LabelSelectorText() {}

  /** Parses {@code text}; null or blank selects everything. */
  public static EndpointSelector parse(String text) {
    EndpointSelector.Builder out = EndpointSelector.newBuilder();
    if (text == null || text.isBlank()) {
      return out.build();
    }
    if (text.length() > MAX_LENGTH) {
      throw InvalidFieldException.invalid(FIELD, "is longer than " + MAX_LENGTH + " characters");
    }
    for (String part : requirements(text)) {
      requirement(part.strip(), out);
    }
    return out.build();
  }

  /** Splits at the commas outside parentheses. */
  private static List<String> requirements(String text) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
        if (depth < 0) {
          throw invalid(text, "a ')' closes nothing");
        }
      } else if (c == ',' && depth == 0) {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
    }
    if (depth != 0) {
      throw invalid(text, "a '(' is not closed");
    }
    parts.add(text.substring(start));
    return parts;
  }

  private static void requirement(String r, EndpointSelector.Builder out) {
    if (r.isEmpty()) {
      throw InvalidFieldException.invalid(FIELD, "has an empty requirement (two commas, or one at an end)");
    }
    if (r.startsWith("!") && !r.contains("=")) {
      out.addMatchExpressions(expression(r.substring(1).strip(), Operator.DOES_NOT_EXIST, List.of()));
      return;
    }
    int paren = r.indexOf('(');
    if (paren >= 0) {
      setBased(r, paren, out);
      return;
    }
    int ne = r.indexOf("!=");
    if (ne >= 0) {
      out.addMatchExpressions(expression(r.substring(0, ne).strip(), Operator.NOT_IN, List.of(value(r.substring(ne + 2)))));
      return;
    }
    int eq = r.indexOf('=');
    if (eq >= 0) {
      int valueStart = r.startsWith("=", eq + 1) ? eq + 2 : eq + 1;
      String[] key = key(r.substring(0, eq).strip());
      String value = value(r.substring(valueStart));
      Labels.validateSelectorLabel(key[0], key[1], value, FIELD);
      out.addMatchLabels(Labels.label(key[0], key[1], value));
      return;
    }
    out.addMatchExpressions(expression(r, Operator.EXISTS, List.of()));
  }

  /** {@code key in (a,b)} or {@code key notin (a,b)}. */
  private static void setBased(String r, int paren, EndpointSelector.Builder out) {
    if (!r.endsWith(")")) {
      throw invalid(r, "expected 'key in (v1,v2)' or 'key notin (v1,v2)'");
    }
    String[] head = r.substring(0, paren).strip().split("\\s+");
    if (head.length != 2 || !(head[1].equals("in") || head[1].equals("notin"))) {
      throw invalid(r, "expected 'key in (v1,v2)' or 'key notin (v1,v2)'");
    }
    List<String> values = new ArrayList<>();
    for (String v : r.substring(paren + 1, r.length() - 1).split(",", -1)) {
      values.add(value(v));
    }
    out.addMatchExpressions(expression(head[0], head[1].equals("in") ? Operator.IN : Operator.NOT_IN, values));
  }

  private static LabelSelectorRequirement expression(String keyText, Operator op, List<String> values) {
    String[] key = key(keyText);
    Labels.validateSelectorLabel(key[0], key[1], null, FIELD);
    for (String v : values) {
      Labels.validateValue(v, FIELD);
    }
    return LabelSelectorRequirement.newBuilder().setSource(key[0]).setKey(key[1]).setOperator(op).addAllValues(values).build();
  }

  private static String[] key(String text) {
    if (text.isEmpty()) {
      throw InvalidFieldException.invalid(FIELD, "has a requirement without a label key");
    }
    return Labels.splitSelectorKey(text);
  }

  private static String value(String text) {
    return text.strip();
  }

  private static InvalidFieldException invalid(String text, String why) {
    return InvalidFieldException.invalid(FIELD, "'" + text + "': " + why);
  }
}
