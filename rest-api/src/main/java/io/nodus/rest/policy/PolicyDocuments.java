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

/**
 * Turns a policy document (YAML or JSON) into a validated {@link Policy}, keeping the original
 * text. Errors name the document path. Exactly one document per call: a multi-document stream
 * is refused rather than half-applied.
 */
public final class PolicyDocuments {
  public static final String YAML = "application/yaml";
  public static final String JSON = "application/json";
  public static final String CNP = "CiliumNetworkPolicy";
  public static final String CCNP = "CiliumClusterwideNetworkPolicy";
  /** Namespace of a namespaced policy whose metadata names none, as kubectl does. */
  public static final String DEFAULT_NAMESPACE = "default";

  private static final Set<String> TOP_FIELDS = Set.of("apiVersion", "kind", "metadata", "spec", "specs", "description", "status");
  private static final Set<String> METADATA_FIELDS = Set.of("name", "namespace", "labels", "annotations", "uid", "resourceVersion",
      "generation", "creationTimestamp", "managedFields", "selfLink", "finalizers", "ownerReferences", "deletionTimestamp",
      "deletionGracePeriodSeconds", "generateName");
  private static final ObjectMapper YAML_MAPPER = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final ObjectMapper JSON_MAPPER = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private PolicyDocuments() {}

  /** Parses and validates; {@code format} is {@link #YAML} or {@link #JSON}. */
  public static Policy parse(String text, String format) {
    if (text.length() > PolicyValidator.MAX_DOCUMENT_CHARS) {
      throw InvalidFieldException.invalid("", "the document is larger than " + PolicyValidator.MAX_DOCUMENT_CHARS + " characters");
    }
    JsonNode root = readSingle(text, format);
    DocNode top = new DocNode(root, "");
    top.requireObject(TOP_FIELDS, Set.of());
    String apiVersion = top.requiredString("apiVersion");
    String kind = top.requiredString("kind");
    if (!kind.equals(CNP) && !kind.equals(CCNP)) {
      if (kind.equals("NetworkPolicy")) {
        throw InvalidFieldException.invalid("kind", "Kubernetes NetworkPolicy is not supported by this Nodus version yet");
      }
      throw InvalidFieldException.invalid("kind", "kind '" + kind + "' is not one of " + CNP + ", " + CCNP);
    }
    if (!apiVersion.equals("cilium.io/v2")) {
      throw InvalidFieldException.invalid("apiVersion", "apiVersion '" + apiVersion + "' is not cilium.io/v2");
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

    String legacyDescription = top.string("description");
    List<PolicyRule> rules = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    DocNode spec = top.get("spec");
    if (spec != null) {
      rules.add(CiliumPolicyParser.rule(spec, legacyDescription));
      paths.add("spec");
    }
    for (DocNode s : top.list("specs")) {
      rules.add(CiliumPolicyParser.rule(s, legacyDescription));
      paths.add(s.path());
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

  private static JsonNode readSingle(String text, String format) {
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
      if (all.isEmpty()) {
        throw InvalidFieldException.invalid("", "the request body holds no document");
      }
      if (all.size() > 1) {
        throw InvalidFieldException.invalid("", "the request body holds " + all.size() + " documents; send one policy per request");
      }
      return all.get(0);
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
