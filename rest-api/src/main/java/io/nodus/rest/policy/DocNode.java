package io.nodus.rest.policy;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.state.model.InvalidFieldException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node of a parsed document together with its path, so that every error can name where it
 * happened. Field access is strict: callers declare the fields they know and everything else is
 * an error.
 *
 * @param node the JSON tree node (never null; missing fields are not wrapped)
 * @param path document path of this node, e.g. {@code spec.ingress[0]}
 */
record DocNode(JsonNode node, String path) {

  String child(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  InvalidFieldException error(String message) {
    return InvalidFieldException.invalid(path, message);
  }

  /** Fails on the first field not in {@code known}; fields in {@code unsupported} get a clearer message. */
  DocNode requireObject(Set<String> known, Set<String> unsupported) {
    if (!node.isObject()) {
      throw error("must be an object, not " + kind(node));
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (unsupported.contains(n)) {
        throw InvalidFieldException.invalid(child(n), "'" + n + "' is valid Cilium policy but not supported by this Nodus version yet");
      }
      if (!known.contains(n)) {
        throw InvalidFieldException.invalid(child(n), "unknown field '" + n + "'; expected one of " + known.stream().sorted().toList());
      }
    }
    return this;
  }

  boolean has(String name) {
    JsonNode c = node.get(name);
    return c != null && !c.isNull();
  }

  DocNode get(String name) {
    JsonNode c = node.get(name);
    return c == null || c.isNull() ? null : new DocNode(c, child(name));
  }

  /** A string field; null when absent, an error when present with another type. */
  String string(String name) {
    DocNode c = get(name);
    if (c == null) {
      return null;
    }
    if (!c.node.isTextual()) {
      throw c.error("must be a string, not " + kind(c.node));
    }
    return c.node.textValue();
  }

  String requiredString(String name) {
    String s = string(name);
    if (s == null || s.isEmpty()) {
      throw InvalidFieldException.invalid(child(name), "is required");
    }
    return s;
  }

  /** A boolean field; null when absent, an error when present with another type. */
  Boolean bool(String name) {
    DocNode c = get(name);
    if (c == null) {
      return null;
    }
    if (!c.node.isBoolean()) {
      throw c.error("must be true or false, not " + kind(c.node));
    }
    return c.node.booleanValue();
  }

  /** The text of a list of strings (empty when absent); every element must be a string. */
  List<String> strings(String name) {
    List<String> out = new ArrayList<>();
    for (DocNode e : list(name)) {
      if (!e.node.isTextual()) {
        throw e.error("must be a string, not " + kind(e.node));
      }
      out.add(e.node.textValue());
    }
    return out;
  }

  /** The elements of a list field (empty when absent). */
  List<DocNode> list(String name) {
    DocNode c = get(name);
    if (c == null) {
      return List.of();
    }
    if (!c.node.isArray()) {
      throw c.error("must be a list, not " + kind(c.node));
    }
    List<DocNode> out = new ArrayList<>(c.node.size());
    for (int i = 0; i < c.node.size(); i++) {
      JsonNode e = c.node.get(i);
      if (e == null || e.isNull()) {
        throw InvalidFieldException.invalid(c.path + "[" + i + "]", "must not be null");
      }
      out.add(new DocNode(e, c.path + "[" + i + "]"));
    }
    return out;
  }

  /** A map of string to string field (empty when absent). */
  Map<String, String> stringMap(String name) {
    DocNode c = get(name);
    if (c == null) {
      return Map.of();
    }
    if (!c.node.isObject()) {
      throw c.error("must be an object of strings, not " + kind(c.node));
    }
    Map<String, String> out = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = c.node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      JsonNode v = f.getValue();
      if (v == null || v.isNull()) {
        // YAML "app:" is null, not "": refused rather than silently read as an empty value.
        throw InvalidFieldException.invalid(c.child(f.getKey()), "must be a string, not null (write \"\" for an empty value)");
      } else if (!v.isTextual()) {
        throw InvalidFieldException.invalid(c.child(f.getKey()), "must be a string, not " + kind(v) + " (quote it)");
      } else {
        out.put(f.getKey(), v.textValue());
      }
    }
    return out;
  }

  static String kind(JsonNode n) {
    if (n.isObject()) {
      return "an object";
    }
    if (n.isArray()) {
      return "a list";
    }
    if (n.isNumber()) {
      return "a number";
    }
    if (n.isBoolean()) {
      return "a boolean";
    }
    if (n.isTextual()) {
      return "a string";
    }
    return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
