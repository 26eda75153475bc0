package io.nodus.ops.fuzz;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * Mutations of a valid document, drawn from one {@link Random} so that a seed replays a run:
 * dropped, duplicated, renamed and retyped fields, nulls, huge and deeply nested values, and the
 * document written as JSON or YAML (with duplicate keys, anchors, aliases and alias bombs), then
 * perhaps damaged as bytes (invalid UTF-8, truncation).
 */
final class Mutator {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final YAMLMapper YAML = YAMLMapper.builder().build();
  /** Stands for a deeply nested value until the text is written (writers cap nesting, the parsers must cope). */
  private static final String DEEP = "@@deep@@";
  private static final String[] ODD_STRINGS = {"", " ", "\u0000", "../..", "%00", "a\nb: c", "'", "\"", "*", "&a", "!!binary x",
      "\uD83D\uDC1D", "\uFFFF", "\u202Eevil", "${jndi:ldap://127.0.0.1/x}", "default", "kube-system", "0", "-1", "1e400", "null",
      "true", "TCP", "10.0.0.0/8", "255.255.255.255", "::1", "127.0.0.1:1", "A".repeat(64), "a.b.c", "/(?<=a)b", "(a)\\1",
      "k8s:app", "reserved:host", "-", "_"};
  private static final byte[][] BAD_UTF8 = {{(byte) 0xFF}, {(byte) 0xFE, (byte) 0xFF}, {(byte) 0xC0, (byte) 0x80},
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0x80},
      {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}};

  private final Random random;

  Mutator(Random random) {
    this.random = random;
  }

  boolean chance(double p) {
    return random.nextDouble() < p;
  }

  <T> T pick(List<T> options) {
    return options.get(random.nextInt(options.size()));
  }

  <T> T pick(T[] options) {
    return options[random.nextInt(options.length)];
  }

  int below(int bound) {
    return random.nextInt(bound);
  }

  int oneOf(int... options) {
    return options[random.nextInt(options.length)];
  }

  /** A copy of {@code seed} with up to three structural mutations (none, sometimes). */
  JsonNode tree(JsonNode seed) {
    JsonNode root = seed.deepCopy();
    int n = chance(0.15) ? 0 : 1 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      root = once(root);
    }
    return root;
  }

  /** A place in the tree: a field of an object or an element of an array. */
  private record Slot(ContainerNode<?> parent, String field, int index) {
    JsonNode get() {
      return field != null ? parent.get(field) : parent.get(index);
    }

    void set(JsonNode value) {
      if (field != null) {
        ((ObjectNode) parent).set(field, value);
      } else {
        ((ArrayNode) parent).set(index, value);
      }
    }

    void remove() {
      if (field != null) {
        ((ObjectNode) parent).remove(field);
      } else {
        ((ArrayNode) parent).remove(index);
      }
    }
  }

  private JsonNode once(JsonNode root) {
    List<Slot> slots = new ArrayList<>();
    collect(root, slots);
    if (slots.isEmpty() || chance(0.02)) {
      return value();
    }
    Slot s = pick(slots);
    switch (random.nextInt(9)) {
      case 0 -> s.remove();
      case 1, 2 -> s.set(value());
      case 3 -> s.set(NODES.nullNode());
      case 4 -> {
        if (s.parent() instanceof ArrayNode a) {
          a.insert(s.index(), s.get().deepCopy());
        } else {
          ((ObjectNode) s.parent()).set(pick(ODD_STRINGS) + random.nextInt(10), value());
        }
      }
      case 5 -> s.set(huge());
      case 6 -> s.set(NODES.textNode(DEEP));
      case 7 -> s.set(pick(slots).get().deepCopy());
      default -> {
        if (s.field() != null) {
          ObjectNode o = (ObjectNode) s.parent();
          JsonNode v = o.remove(s.field());
          o.set(renamed(s.field()), v);
        } else {
          ((ArrayNode) s.parent()).add(s.get().deepCopy());
        }
      }
    }
    return root;
  }

  private String renamed(String field) {
    return switch (random.nextInt(4)) {
      case 0 -> field.toUpperCase(java.util.Locale.ROOT);
      case 1 -> field + "s";
      case 2 -> field.isEmpty() ? "x" : field.substring(1);
      default -> " " + field;
    };
  }

  private static void collect(JsonNode n, List<Slot> out) {
    if (n instanceof ObjectNode o) {
      for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        out.add(new Slot(o, f, -1));
        collect(o.get(f), out);
      }
    } else if (n instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        out.add(new Slot(a, null, i));
        collect(a.get(i), out);
      }
    }
  }

  /** A value of any JSON type, biased towards the edges. */
  JsonNode value() {
    return switch (random.nextInt(17)) {
      case 0 -> NODES.nullNode();
      case 1, 2 -> NODES.textNode(pick(ODD_STRINGS));
      case 3 -> NODES.numberNode(oneOf(0, -1, 1, 80, 65535, 65536, Integer.MAX_VALUE, Integer.MIN_VALUE, 32, 33));
      case 4 -> NODES.numberNode(Long.MAX_VALUE);
      case 5 -> NODES.numberNode(BigInteger.TEN.pow(30 + random.nextInt(40)));
      case 6 -> NODES.numberNode(new double[] {80.9, 0.5, -0.0, 1e300, 24.0}[random.nextInt(5)]);
      case 7 -> NODES.numberNode(new BigDecimal("1e" + (300 + random.nextInt(1000))));
      case 8 -> NODES.booleanNode(random.nextBoolean());
      case 9 -> NODES.arrayNode();
      case 10 -> NODES.objectNode();
      case 11 -> NODES.arrayNode().add(NODES.nullNode());
      case 12 -> NODES.objectNode().putNull("app");
      case 13 -> huge();
      case 14 -> NODES.textNode(DEEP);
      case 15 -> NODES.arrayNode().add(pick(ODD_STRINGS)).add(random.nextInt());
      default -> NODES.objectNode().put(pick(ODD_STRINGS), pick(ODD_STRINGS));
    };
  }

  private JsonNode huge() {
    int size = oneOf(1_000, 10_000, 100_000, 300_000);
    if (chance(0.5)) {
      return NODES.textNode("x".repeat(size));
    }
    ArrayNode a = NODES.arrayNode();
    for (int i = 0; i < size / 10; i++) {
      a.add("item-" + i);
    }
    return a;
  }

  /** The tree as JSON text, perhaps with one object's first field written twice. */
  byte[] json(JsonNode tree) {
    return write(tree, false);
  }

  /** The tree as YAML text, perhaps with a duplicate key, anchors and aliases or an alias bomb. */
  byte[] yaml(JsonNode tree) {
    byte[] text = write(tree, true);
    if (!chance(0.15)) {
      return text;
    }
    String s = new String(text, java.nio.charset.StandardCharsets.UTF_8);
    return FuzzedController.utf8(switch (random.nextInt(4)) {
      case 0 -> aliasBomb(1 + random.nextInt(9)) + s.replaceFirst("^---\\s*\n", "");
      case 1 -> anchorAndAlias(s);
      case 2 -> s.replace("  ", "\t");
      default -> s.replaceFirst("\n(\\s*)(\\w+):", "\n$1<<: {x: &m 1}\n$1$2:");
    });
  }

  /** Billion laughs: {@code depth} levels of ten aliases each, as top-level keys before the document's own. */
  private static String aliasBomb(int depth) {
    StringBuilder b = new StringBuilder("l0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (int i = 1; i <= depth; i++) {
      b.append("l").append(i).append(": &l").append(i).append(" [");
      for (int j = 0; j < 10; j++) {
        b.append(j == 0 ? "" : ",").append("*l").append(i - 1);
      }
      b.append("]\n");
    }
    return b.toString();
  }

  /** Anchors one scalar and makes another scalar an alias of it. */
  private String anchorAndAlias(String yaml) {
    String[] lines = yaml.split("\n", -1);
    List<Integer> scalars = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].matches("\\s*(- )?[\\w.:/-]+: [^&*\\[{|>].*")) {
        scalars.add(i);
      }
    }
    if (scalars.size() < 2) {
      return yaml;
    }
    int a = pick(scalars);
    int b = pick(scalars);
    int colonA = lines[a].indexOf(": ");
    lines[a] = lines[a].substring(0, colonA + 2) + "&v " + lines[a].substring(colonA + 2);
    if (b != a) {
      int colonB = lines[b].indexOf(": ");
      lines[b] = lines[b].substring(0, colonB + 2) + "*v";
    }
    return String.join("\n", lines);
  }

  private byte[] write(JsonNode tree, boolean yaml) {
    JsonNode dup = chance(0.08) ? pickObject(tree) : null;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = (yaml ? YAML : JSON).getFactory().createGenerator(out)) {
      write(g, tree, dup);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    if (text.contains(DEEP)) {
      int depth = oneOf(10, 60, 200, 1_500, 5_000);
      String nested = "[".repeat(depth) + "]".repeat(depth);
      text = text.replace("\"" + DEEP + "\"", nested).replace(DEEP, nested);
    }
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private JsonNode pickObject(JsonNode tree) {
    List<Slot> slots = new ArrayList<>();
    collect(tree, slots);
    List<JsonNode> objects = new ArrayList<>();
    if (tree.isObject()) {
      objects.add(tree);
    }
    slots.stream().map(Slot::get).filter(JsonNode::isObject).forEach(objects::add);
    return objects.isEmpty() ? null : pick(objects);
  }

  private static void write(JsonGenerator g, JsonNode n, JsonNode dup) throws IOException {
    if (n.isObject()) {
      g.writeStartObject();
      boolean first = true;
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        g.writeFieldName(f);
        write(g, n.get(f), dup);
        if (first && n == dup) {
          g.writeFieldName(f);
          write(g, n.get(f), null);
        }
        first = false;
      }
      g.writeEndObject();
    } else if (n.isArray()) {
      g.writeStartArray();
      for (JsonNode e : n) {
        write(g, e, dup);
      }
      g.writeEndArray();
    } else {
      g.writeTree(n);
    }
  }

  /** The bytes, perhaps damaged: invalid UTF-8 spliced in, cut short, or replaced outright. */
  byte[] bytes(byte[] body) {
    if (!chance(0.12)) {
      return body;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = body.length == 0 ? 0 : random.nextInt(body.length);
    switch (random.nextInt(5)) {
      case 0, 1 -> {
        out.write(body, 0, at);
        out.writeBytes(pick(BAD_UTF8));
        out.write(body, at, body.length - at);
      }
      case 2 -> out.write(body, 0, at);
      case 3 -> {
        out.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        out.writeBytes(body);
      }
      default -> out.writeBytes(FuzzedController.utf8(pick(new String[] {"", "null", "[]", "{}", "\"x\"", "0", "{\"a\":", "---\n",
          "%YAML 1.1\n---\n", "!!map {}", "\u0000\u0000"})));
    }
    return out.toByteArray();
  }

  /** A Content-Type: usually {@code usual}, sometimes a variant or garbage, sometimes none. */
  String contentType(String usual) {
    if (!chance(0.15)) {
      return usual;
    }
    return pick(new String[] {null, usual + "; charset=utf-8", usual + ";charset=UTF-8", usual + "; charset=\"utf-8\"",
        usual + "; charset=latin1", usual + "; charset=utf-16", usual + "; charset=", usual + "; charset", usual + "; x=\"open",
        "text/plain", "application/yaml", "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "*/*", "application/*", "garbage", ";;;", "application/json, text/plain", usual.toUpperCase(java.util.Locale.ROOT), "", "/"});
  }

  /** Odd variants of {@code path}: encodings Jetty must refuse, dot segments, over-long segments, odd queries. */
  String path(String path) {
    if (!chance(0.1)) {
      return path;
    }
    return pick(new String[] {path + "/", path + "//x", path + "/%00", path + "/%2F", path + "/%FF", path + "/..", path + "/../../etc",
        path + "/" + "a".repeat(5_000), path + "/" + "a".repeat(70_000), path + "?stale=maybe", path + "?x=%zz", path + ";x=y",
        path.toUpperCase(java.util.Locale.ROOT), path + "/a%20b", path + "/%C0%AF", path + "/\u00e9", path + "?" + "q=1&".repeat(2_000),
        path + "#frag", "*", path.replace("/v1/", "/v2/"), path + "/x/y/z/w"});
  }

  /** Usually POST; sometimes another method, known or not. */
  String method() {
    return chance(0.9) ? "POST" : pick(new String[] {"GET", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "BREW", "post"});
  }
}
