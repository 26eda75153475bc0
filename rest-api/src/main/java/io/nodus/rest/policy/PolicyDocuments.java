package io.nodus.rest.policy;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.policy.PolicyValidator;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a policy document (YAML or JSON) into a validated {@link Policy}, keeping the original
 * text: CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy ({@code cilium.io/v2}, with
 * {@code spec} and/or the {@code specs} list and the legacy top-level {@code description}) and
 * Kubernetes NetworkPolicy ({@code networking.k8s.io/v1}, converted into the same model). Errors
 * name the document path. Exactly one document per call: a multi-document stream is refused
 * rather than half-applied; {@link #split} cuts a YAML stream into its documents for clients
 * that apply them one by one.
 */
public final class PolicyDocuments {
  public static final String YAML = "application/yaml";
  public static final String JSON = "application/json";
  public static final String CNP = PolicyValidator.CNP;
  public static final String CCNP = PolicyValidator.CCNP;
  public static final String K8S_NP = PolicyValidator.K8S_NP;
  public static final String CILIUM_API = "cilium.io/v2";
  public static final String K8S_API = "networking.k8s.io/v1";
  /** Namespace of a namespaced policy whose metadata names none, as kubectl does. */
  public static final String DEFAULT_NAMESPACE = "default";

  private static final Set<String> CILIUM_TOP_FIELDS = Set.of("apiVersion", "kind", "metadata", "spec", "specs", "description", "status");
  private static final Set<String> K8S_TOP_FIELDS = Set.of("apiVersion", "kind", "metadata", "spec", "status");
  private static final Set<String> METADATA_FIELDS = Set.of("name", "namespace", "labels", "annotations", "uid", "resourceVersion",
      "generation", "creationTimestamp", "managedFields", "selfLink", "finalizers", "ownerReferences", "deletionTimestamp",
      "deletionGracePeriodSeconds", "generateName");
  private static final ObjectMapper YAML_MAPPER = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final ObjectMapper JSON_MAPPER = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  /** A YAML document marker line: "---" at column 0, optionally followed by a comment. */
  private static final Pattern DOCUMENT_START = Pattern.compile("---[ \\t]*(#.*)?");

  private PolicyDocuments() {}

  /** Parses and validates; {@code format} is {@link #YAML} or {@link #JSON}. */
  public static Policy parse(String text, String format) {
    if (text.length() > PolicyValidator.MAX_DOCUMENT_CHARS) {
      throw InvalidFieldException.invalid("", "the document is larger than " + PolicyValidator.MAX_DOCUMENT_CHARS + " characters");
    }
    List<JsonNode> docs = read(text, format);
    if (docs.isEmpty()) {
      throw InvalidFieldException.invalid("", "the request body holds no document");
    }
    if (docs.size() > 1) {
      throw InvalidFieldException.invalid("", "the request body holds " + docs.size()
          + " documents; send one policy per request (`nodus policy apply` splits a multi-document file)");
    }
    DocNode top = new DocNode(docs.get(0), "");
    if (!top.node().isObject()) {
      throw top.error("a policy document must be an object, not " + DocNode.kind(top.node()));
    }
    String kind = top.requiredString("kind");
    boolean k8s = kind.equals(K8S_NP);
    if (!k8s && !kind.equals(CNP) && !kind.equals(CCNP)) {
      throw InvalidFieldException.invalid("kind", "kind '" + kind + "' is not one of " + CNP + ", " + CCNP + ", " + K8S_NP);
    }
    top.requireObject(k8s ? K8S_TOP_FIELDS : CILIUM_TOP_FIELDS, Set.of());
    String apiVersion = top.requiredString("apiVersion");
    String wantApi = k8s ? K8S_API : CILIUM_API;
    if (!apiVersion.equals(wantApi)) {
      throw InvalidFieldException.invalid("apiVersion", "apiVersion '" + apiVersion + "' is not " + wantApi + " (kind " + kind + ")");
    }
    DocNode metadata = top.get("metadata");
    if (metadata == null) {
      throw InvalidFieldException.invalid("metadata", "metadata with a name is required");
    }
    metadata.requireObject(METADATA_FIELDS, Set.of());
    String name = metadata.requiredString("name");
    String namespace = metadata.string("namespace");
    if (kind.equals(CCNP)) {
      if (namespace != null && !namespace.isEmpty()) {
        throw InvalidFieldException.invalid("metadata.namespace", "a " + CCNP + " is cluster-wide and has no namespace");
      }
      namespace = "";
    } else if (namespace == null || namespace.isEmpty()) {
      namespace = DEFAULT_NAMESPACE;
    }
    LabelSet labels = policyLabels(metadata);
    checkAnnotations(metadata);

    List<PolicyRule> rules = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    DocNode spec = top.get("spec");
    if (k8s) {
      if (spec == null) {
        throw InvalidFieldException.invalid("spec", "spec is required");
      }
      rules.add(KubernetesPolicyParser.rule(spec));
      paths.add("spec");
    } else {
      String legacyDescription = top.string("description");
      if (spec != null) {
        rules.add(CiliumPolicyParser.rule(spec, legacyDescription));
        paths.add("spec");
      }
      for (DocNode s : top.list("specs")) {
        rules.add(CiliumPolicyParser.rule(s, legacyDescription));
        paths.add(s.path());
      }
    }
    if (rules.isEmpty()) {
      throw InvalidFieldException.invalid("spec", "a policy needs a spec or a non-empty specs list");
    }
    Policy policy = Policy.newBuilder()
        .setName(name)
        .setNamespace(namespace)
        .setKind(kind)
        .addAllRules(rules)
        .setLabels(labels)
        .setOriginalDocument(text)
        .setOriginalFormat(format)
        .build();
    PolicyValidator.validate(policy, paths::get);
    return policy;
  }

  /**
   * The documents of a YAML stream, each as its own text; comment-only or empty parts are
   * dropped. A stream with one document comes back whole (marker lines and comments included),
   * so that its stored original is the file as written. Malformed YAML is an error.
   */
  public static List<String> split(String text) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      String bare = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
      if (DOCUMENT_START.matcher(bare).matches() || bare.equals("...")) {
        parts.add(current.toString());
        current.setLength(0);
        continue;
      }
      current.append(line).append('\n');
    }
    parts.add(current.toString());
    List<String> documents = new ArrayList<>();
    for (String part : parts) {
      if (!read(part, YAML).isEmpty()) {
        documents.add(part);
      }
    }
    return documents.size() == 1 ? List.of(text) : documents;
  }

  private static LabelSet policyLabels(DocNode metadata) {
    List<io.nodus.state.proto.Label> out = new ArrayList<>();
    for (Map.Entry<String, String> e : metadata.stringMap("labels").entrySet()) {
      String field = "metadata.labels." + e.getKey();
      Labels.validateKey(e.getKey(), field);
      Labels.validateValue(e.getValue(), field);
      out.add(Labels.label(Labels.SOURCE_K8S, e.getKey(), e.getValue()));
    }
    return Labels.canonical(out, "metadata.labels");
  }

  /** Annotations are kept in the original document only; their keys must still be valid. */
  private static void checkAnnotations(DocNode metadata) {
    for (String key : metadata.stringMap("annotations").keySet()) {
      Labels.validateKey(key, "metadata.annotations." + key);
    }
  }

  /** Every non-empty document of the text. */
  private static List<JsonNode> read(String text, String format) {
    ObjectMapper mapper = YAML.equals(format) ? YAML_MAPPER : JSON_MAPPER;
    try (JsonParser parser = mapper.createParser(text);
         MappingIterator<JsonNode> docs = mapper.readValues(parser, JsonNode.class)) {
      List<JsonNode> all = new ArrayList<>();
      while (docs.hasNextValue()) {
        JsonNode d = docs.nextValue();
        if (d != null && !d.isNull() && !d.isMissingNode()) {
          all.add(d);
        }
      }
      return all;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw InvalidFieldException.invalid("", "malformed " + (YAML.equals(format) ? "YAML" : "JSON") + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw InvalidFieldException.invalid("", "unreadable document: " + e.getMessage());
    } catch (RuntimeException e) {
      if (e instanceof InvalidFieldException ife) {
        throw ife;
      }
      // Jackson wraps parse errors from MappingIterator in RuntimeJsonMappingException.
      throw InvalidFieldException.invalid("", "malformed document: " + e.getMessage());
    }
  }
}
