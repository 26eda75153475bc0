package io.nodus.ops.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Builds fuzz requests from a mutator: method, path, headers and a mutated body. */
final class Requests {
  private static final String[] ACCEPTS = {"*/*", "application/json", "text/html", "application/yaml", "image/png", "a/b/c;;q=x",
      "application/json;q=0", ""};
  private static final String[] IF_MATCH = {"\"abc\"", "\"9999999999999999999\"", "\"18446744073709551616\"", "W/\"1\"", "*",
      "\"\"", "\"-1\"", "\"1\"", "\"0\"", "\"", "\"1\", \"2\"", "1", "\"1e3\"", "\"\u00e9\""};

  private Requests() {}

  /**
   * A request on a JSON surface: usually POST of a mutated {@code seed} to {@code collection},
   * sometimes another method on {@code collection} or {@code item}; path and headers vary too.
   */
  static FuzzCase json(Mutator m, String collection, String item, JsonNode seed) {
    return json(m, collection, item, seed, UnaryOperator.identity());
  }

  /** As {@link #json(Mutator, String, String, JsonNode)}, the mutated tree passed through {@code guard}. */
  static FuzzCase json(Mutator m, String collection, String item, JsonNode seed, UnaryOperator<JsonNode> guard) {
    String method = m.method();
    boolean post = method.equals("POST");
    String path = m.path(post || m.chance(0.5) ? collection : item);
    byte[] body = post || m.chance(0.2) ? m.bytes(m.json(guard.apply(m.tree(seed)))) : null;
    return new FuzzCase(method, path, headers(m, body, "application/json"), body);
  }

  /** A policy request: the document as YAML or JSON, with odd preconditions now and then. */
  static FuzzCase policy(Mutator m, JsonNode seed) {
    String method = m.method();
    boolean post = method.equals("POST");
    String item = "/v1/policies/" + seed.path("metadata").path("namespace").asText("default") + "/"
        + seed.path("metadata").path("name").asText("x");
    String path = m.path(post || m.chance(0.5) ? "/v1/policies" : item);
    boolean yaml = m.chance(0.6);
    byte[] body = post || m.chance(0.2) ? m.bytes(yaml ? m.yaml(m.tree(seed)) : m.json(m.tree(seed))) : null;
    Map<String, String> headers = headers(m, body, yaml ? "application/yaml" : "application/json");
    if (m.chance(0.15)) {
      headers.put(m.chance(0.7) ? "If-Match" : "If-None-Match", m.chance(0.2) ? "*" : m.pick(IF_MATCH));
    }
    if (m.chance(0.03)) {
      headers.put("If-Match", m.pick(IF_MATCH));
      headers.put("If-None-Match", "*");
    }
    return new FuzzCase(method, path, headers, body);
  }

  private static Map<String, String> headers(Mutator m, byte[] body, String usualType) {
    Map<String, String> headers = new HashMap<>();
    String type = m.contentType(usualType);
    if (type != null && (body != null || m.chance(0.1))) {
      headers.put("Content-Type", type);
    }
    if (m.chance(0.05)) {
      headers.put("Accept", m.pick(ACCEPTS));
    }
    return headers;
  }
}
