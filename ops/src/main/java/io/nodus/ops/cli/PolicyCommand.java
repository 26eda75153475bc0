package io.nodus.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.ops.client.CliException;
import io.nodus.ops.client.RestClient;
import io.nodus.ops.client.Table;
import io.nodus.rest.policy.PolicyDocuments;
import io.nodus.state.model.InvalidFieldException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nodus policy apply|list|get|delete}: Cilium and Kubernetes network policy documents. */
@Command(name = "policy", description = "Apply, list, show and delete network policies.",
    subcommands = {PolicyCommand.Apply.class, PolicyCommand.ListCmd.class, PolicyCommand.Get.class, PolicyCommand.Delete.class})
public final class PolicyCommand {

  /** Where a named policy lives: a namespace, or cluster-wide. */
  static final class Scope {
    @Option(names = {"-n", "--namespace"}, description = "Namespace (default: default).", defaultValue = "default")
    String namespace;

    @Option(names = "--clusterwide", description = "A CiliumClusterwideNetworkPolicy.")
    boolean clusterwide;

    String path(String name) {
      return clusterwide ? "/v1/policies/" + name : "/v1/policies/" + namespace + "/" + name;
    }
  }

  /**
   * The HTTP precondition of --if-revision: If-Match on the revision's entity tag, or for 0 (only
   * where creating is allowed) If-None-Match: *.
   */
  static String[] precondition(Long revision, boolean mayCreate) {
    if (revision == null) {
      return new String[0];
    }
    if (revision < 0 || (revision == 0 && !mayCreate)) {
      throw new CliException("error: --if-revision must be " + (mayCreate ? "0 or more" : "positive") + ", got " + revision);
    }
    return revision == 0 ? new String[] {"If-None-Match", "*"} : new String[] {"If-Match", "\"" + revision + "\""};
  }

  @Command(name = "apply", description = "Apply CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy or Kubernetes NetworkPolicy "
      + "documents (YAML or JSON). A YAML file may hold several documents: all are validated before any is applied.")
  static final class Apply implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(names = {"-f", "--file"}, required = true, description = "Policy file, or - for standard input.")
    String file;

    @Option(names = "--if-revision", paramLabel = "REVISION", description = "Apply only if the stored policy is still at "
        + "this revision (as `policy list` shows it); 0: only if no such policy exists. One document only.")
    Long ifRevision;

    @Override
    public Integer call() {
      String text;
      try {
        text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8) : Files.readString(Path.of(file));
      } catch (IOException e) {
        throw new CliException("cannot read " + file + ": " + e.getMessage());
      }
      String type = file.endsWith(".json") ? PolicyDocuments.JSON : PolicyDocuments.YAML;
      List<String> documents = validated(text, type);
      if (ifRevision != null && documents.size() != 1) {
        throw new CliException("error: --if-revision applies to one document; " + file + " holds " + documents.size());
      }
      for (String doc : documents) {
        RestClient.Reply r = client.rest().post("/v1/policies", type, doc, precondition(ifRevision, true));
        JsonNode p = r.json();
        if (client.json()) {
          ClientOptions.printJson(System.out, p);
        } else {
          String where = p.path("namespace").asText().isEmpty() ? "cluster-wide" : "in namespace " + p.path("namespace").asText();
          System.out.printf("policy %s %s %s (revision %d)%n", p.path("name").asText(), where,
              r.status() == 201 ? "applied" : "unchanged", r.revision());
        }
      }
      return 0;
    }

    /**
     * The file's documents, each checked with the server's own parser before any is sent, so
     * that a mistake in the third document does not leave the first two applied.
     */
    private List<String> validated(String text, String type) {
      List<String> documents;
      try {
        documents = type.equals(PolicyDocuments.JSON) ? List.of(text) : PolicyDocuments.split(text);
      } catch (InvalidFieldException e) {
        throw new CliException("error: " + file + ": " + e.getMessage() + " [" + e.code() + "]");
      }
      if (documents.isEmpty()) {
        throw new CliException("error: " + file + " holds no policy document");
      }
      for (int i = 0; i < documents.size(); i++) {
        try {
          PolicyDocuments.parse(documents.get(i), type);
        } catch (InvalidFieldException e) {
          String which = documents.size() > 1 ? " (document " + (i + 1) + " of " + documents.size() + ")" : "";
          String field = e.field() == null || e.field().isEmpty() ? "" : " (field: " + e.field() + ")";
          throw new CliException("error: " + file + which + ": " + e.getMessage() + field + " [" + e.code() + "]; nothing was applied");
        }
      }
      return documents;
    }
  }

  @Command(name = "list", description = "List policies, by namespace then name (cluster-wide ones first).")
  static final class ListCmd implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin ListOptions list;

    @Option(names = {"-n", "--namespace"}, description = "Only this namespace (default: every namespace).")
    String namespace;

    @Option(names = "--clusterwide", description = "Only cluster-wide policies.")
    boolean clusterwide;

    @Override
    public Integer call() {
      if (clusterwide && namespace != null) {
        throw new CliException("error: --clusterwide and --namespace exclude each other", 2);
      }
      Map<String, String> params = new HashMap<>();
      params.put("namespace", clusterwide ? "" : namespace);
      JsonNode ps = list.fetch(client.rest(), "/v1/policies", params, System.err);
      if (client.json()) {
        ClientOptions.printJson(System.out, ps);
        return 0;
      }
      Table t = new Table("NAMESPACE", "NAME", "KIND", "RULES", "REVISION");
      for (JsonNode p : ps) {
        t.row(p.path("namespace").asText().isEmpty() ? "<cluster>" : p.path("namespace").asText(), p.path("name").asText(),
            p.path("kind").asText(), p.path("rules").asInt(), p.path("revision").asLong());
      }
      t.print(System.out);
      return 0;
    }
  }

  @Command(name = "get", description = "Show a policy's document as it was applied.")
  static final class Get implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin Scope scope;

    @Parameters(index = "0", description = "Policy name.")
    String name;

    @Override
    public Integer call() {
      JsonNode p = client.rest().get(scope.path(name)).json();
      if (client.json()) {
        ClientOptions.printJson(System.out, p);
      } else {
        System.out.print(p.path("document").asText());
      }
      return 0;
    }
  }

  @Command(name = "delete", description = "Delete a policy.")
  static final class Delete implements Callable<Integer> {
    @Mixin ClientOptions client;
    @Mixin Scope scope;

    @Parameters(index = "0", description = "Policy name.")
    String name;

    @Option(names = "--if-revision", paramLabel = "REVISION", description = "Delete only if the policy is still at this revision.")
    Long ifRevision;

    @Override
    public Integer call() {
      RestClient.Reply r = client.rest().delete(scope.path(name), precondition(ifRevision, false));
      if (!client.json()) {
        System.out.printf("policy %s deleted (revision %d)%n", name, r.revision());
      }
      return 0;
    }
  }
}
