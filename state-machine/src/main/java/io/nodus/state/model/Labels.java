package io.nodus.state.model;

import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Parsing, validation and canonical form of labels ({@code source:key=value}) and label sets.
 * A canonical label set is sorted by (source, key) with one value per (source, key), so equal
 * sets have equal protobuf bytes and one index key.
 */
public final class Labels {
  /** Source of labels attached by Kubernetes, and the default source of user labels. */
  public static final String SOURCE_K8S = "k8s";
  /** Source of identities Nodus defines itself (host, world, ...). */
  public static final String SOURCE_RESERVED = "reserved";
  /** Source of identities derived from CIDRs. */
  public static final String SOURCE_CIDR = "cidr";
  /** Selector-only source: matches a label of any source. */
  public static final String SOURCE_ANY = "any";
  /** Label carrying an endpoint's namespace, as Kubernetes pods have it. */
  public static final String NAMESPACE_KEY = "io.kubernetes.pod.namespace";
  /** Label carrying the cluster name, as Cilium adds it to every endpoint. */
  public static final String CLUSTER_KEY = "io.cilium.k8s.policy.cluster";

  /** Sources a user may put on an endpoint. */
  public static final Set<String> USER_SOURCES = Set.of(SOURCE_K8S, "mesos", "docker", "cni", "container", "unspec");
  /** Sources a selector may name. */
  public static final Set<String> SELECTOR_SOURCES =
      Set.of(SOURCE_K8S, "mesos", "docker", "cni", "container", "unspec", SOURCE_RESERVED, SOURCE_CIDR, SOURCE_ANY);

  private static final Comparator<Label> ORDER =
      Comparator.comparing(Label::getSource).thenComparing(Label::getKey);
  // Kubernetes qualified name: optional DNS-subdomain prefix and '/', then a name of at most 63
  // chars. Checked by hand rather than with regular expressions: every replica validates every
  // label of every policy it applies.

  private Labels() {}

  public static Label label(String source, String key, String value) {
    return Label.newBuilder().setSource(source).setKey(key).setValue(value).build();
  }

  /**
   * Parses {@code [source:]key[=value]}. The source is the text before the first ':' when that
   * ':' comes before any '='; otherwise {@code defaultSource} applies.
   */
  public static Label parse(String text, String defaultSource) {
    int eq = text.indexOf('=');
    String left = eq < 0 ? text : text.substring(0, eq);
    String value = eq < 0 ? "" : text.substring(eq + 1);
    int colon = left.indexOf(':');
    String source = colon < 0 ? defaultSource : left.substring(0, colon);
    String key = colon < 0 ? left : left.substring(colon + 1);
    return label(source, key, value);
  }

  /** Splits a selector key such as {@code k8s:app} into (source, key), defaulting to "any". */
  public static String[] splitSelectorKey(String text) {
    int colon = text.indexOf(':');
    if (colon < 0) {
      return new String[] {SOURCE_ANY, text};
    }
    return new String[] {text.substring(0, colon), text.substring(colon + 1)};
  }

  /** {@code source:key=value}, or {@code source:key} when the value is empty. */
  public static String format(Label l) {
    return l.getSource() + ":" + l.getKey() + (l.getValue().isEmpty() ? "" : "=" + l.getValue());
  }

  /** All labels of a set, formatted and comma-separated. */
  public static String format(LabelSet set) {
    StringBuilder sb = new StringBuilder();
    for (Label l : set.getLabelsList()) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(format(l));
    }
    return sb.toString();
  }

  /** The canonical set of {@code labels}; a repeated (source, key) with two values is an error. */
  public static LabelSet canonical(Collection<Label> labels, String field) {
    List<Label> sorted = new ArrayList<>(labels);
    sorted.sort(ORDER);
    LabelSet.Builder out = LabelSet.newBuilder();
    Label previous = null;
    for (Label l : sorted) {
      if (previous != null && ORDER.compare(previous, l) == 0) {
        if (!previous.getValue().equals(l.getValue())) {
          throw InvalidFieldException.invalid(field, "label " + l.getSource() + ":" + l.getKey() + " is given twice with different values");
        }
        continue;
      }
      out.addLabels(l);
      previous = l;
    }
    return out.build();
  }

  /** The index key of a canonical set: its formatted labels joined by ';'. */
  public static String indexKey(LabelSet set) {
    StringBuilder sb = new StringBuilder();
    for (Label l : set.getLabelsList()) {
      sb.append(format(l)).append(';');
    }
    return sb.toString();
  }

  /** Validates the key (Kubernetes qualified name) of a label or selector, throwing on {@code field}. */
  public static void validateKey(String key, String field) {
    if (key.isEmpty()) {
      throw InvalidFieldException.invalid(field, "label key must not be empty");
    }
    int slash = key.lastIndexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (prefix != null && (prefix.isEmpty() || prefix.length() > 253 || !isDnsSubdomain(prefix))) {
      throw InvalidFieldException.invalid(field, "label key '" + key + "' has an invalid prefix: it must be a DNS subdomain");
    }
    if (name.length() > 63 || name.isEmpty() || !isNameOrValue(name)) {
      throw InvalidFieldException.invalid(field, "label key '" + key
          + "' is invalid: at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending alphanumeric");
    }
  }

  /** Validates a label value (empty, or at most 63 characters of the Kubernetes value syntax). */
  public static void validateValue(String value, String field) {
    if (value.length() > 63 || !isNameOrValue(value)) {
      throw InvalidFieldException.invalid(field, "label value '" + value
          + "' is invalid: at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending alphanumeric");
    }
  }

  /** Validates a label a user attaches to an endpoint. */
  public static void validateUserLabel(Label l, String field) {
    if (!USER_SOURCES.contains(l.getSource())) {
      throw InvalidFieldException.invalid(field, "label source '" + l.getSource() + "' is not allowed; use one of " + sorted(USER_SOURCES));
    }
    validateKey(l.getKey(), field);
    validateValue(l.getValue(), field);
  }

  /** Validates a selector's source, key and (when given) value. */
  public static void validateSelectorLabel(String source, String key, String value, String field) {
    if (!SELECTOR_SOURCES.contains(source)) {
      throw InvalidFieldException.invalid(field, "label source '" + source + "' is unknown; use one of " + sorted(SELECTOR_SOURCES));
    }
    validateKey(key, field);
    if (value != null) {
      validateValue(value, field);
    }
  }

  /** The value of the first label with this key whose source matches ("any" matches all). */
  public static String valueOf(LabelSet set, String source, String key) {
    for (Label l : set.getLabelsList()) {
      if (l.getKey().equals(key) && (source.equals(SOURCE_ANY) || source.equals(l.getSource()))) {
        return l.getValue();
      }
    }
    return null;
  }

  /** Empty, or alphanumerics, '-', '_' and '.', starting and ending alphanumeric. */
  static boolean isNameOrValue(String s) {
    int n = s.length();
    if (n == 0) {
      return true;
    }
    if (!isAlphanumeric(s.charAt(0)) || !isAlphanumeric(s.charAt(n - 1))) {
      return false;
    }
    for (int i = 1; i < n - 1; i++) {
      char c = s.charAt(i);
      if (!isAlphanumeric(c) && c != '-' && c != '_' && c != '.') {
        return false;
      }
    }
    return true;
  }

  /** Dot-separated labels of lower-case alphanumerics and '-', each starting and ending alphanumeric. */
  static boolean isDnsSubdomain(String s) {
    int start = 0;
    while (true) {
      int dot = s.indexOf('.', start);
      int end = dot < 0 ? s.length() : dot;
      if (end == start || !isLowerAlphanumeric(s.charAt(start)) || !isLowerAlphanumeric(s.charAt(end - 1))) {
        return false;
      }
      for (int i = start + 1; i < end - 1; i++) {
        char c = s.charAt(i);
        if (!isLowerAlphanumeric(c) && c != '-') {
          return false;
        }
      }
      if (dot < 0) {
        return true;
      }
      start = dot + 1;
    }
  }

  private static boolean isAlphanumeric(char c) {
    return isLowerAlphanumeric(c) || (c >= 'A' && c <= 'Z');
  }

  private static boolean isLowerAlphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }
}
