package io.nodus.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.ops.cli.NodusCommand;
import io.nodus.ops.client.RestClient;
import io.nodus.ops.runtime.RaftControlPlane;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.ControllerServer;
import io.nodus.raft.server.HostPort;
import io.nodus.rest.RestConfig;
import io.nodus.rest.RestServer;
import io.nodus.rest.policy.PolicyDocuments;
import io.nodus.state.proto.Policy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code nodus policy apply} accepts every file of the conformance corpus (rendered by the
 * corpus's own script) against a real controller (Ratis, RocksDB on disk) behind the real REST
 * API, and GET gives every document back as applied.
 */
class ConformanceCliTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LEADER_WAIT = Duration.ofSeconds(30);

  @TempDir
  static Path dir;

  private static ControllerServer controller;
  private static ControlPlaneClient client;
  private static RestServer rest;
  private static String url;

  @BeforeAll
  static void start() throws Exception {
    controller = ControllerServer.start(ControllerConfig.builder()
        .memberId("c1")
        .peer("c1", new HostPort("127.0.0.1", freePort()))
        .dataDir(dir.resolve("controller"))
        .grpcBind(new HostPort("127.0.0.1", 0))
        .build());
    long deadline = System.nanoTime() + LEADER_WAIT.toNanos();
    while (controller.status().getLeaderId().isEmpty()) {
      assertThat(System.nanoTime()).as("a leader within %s", LEADER_WAIT).isLessThan(deadline);
      Thread.sleep(20);
    }
    client = controller.client();
    rest = RestServer.start(new RestConfig("127.0.0.1", 0, 1024 * 1024), new RaftControlPlane(client),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    url = "http://127.0.0.1:" + rest.port();
  }

  @AfterAll
  static void stop() throws Exception {
    if (rest != null) {
      rest.close();
    }
    if (client != null) {
      client.close();
    }
    if (controller != null) {
      controller.close();
    }
  }

  @Test
  void policyApplyAcceptsEveryConformanceFileAndGetGivesItBack() throws Exception {
    Path corpus = corpusRoot();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(corpus)) {
      files = walk.filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml") || p.toString().endsWith(".json"))
          .sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(56);
    Path rendered = Files.createDirectories(dir.resolve("rendered"));
    try (HttpClient http = HttpClient.newHttpClient()) {
      for (Path file : files) {
        String text = render(corpus, file);
        Path copy = rendered.resolve(corpus.relativize(file).toString().replace('/', '_'));
        Files.writeString(copy, text);

        int exit = new CommandLine(new NodusCommand()).execute("policy", "apply", "-f", copy.toString(), "--server", url);
        assertThat(exit).as("nodus policy apply -f %s", corpus.relativize(file)).isZero();

        String format = file.toString().endsWith(".json") ? PolicyDocuments.JSON : PolicyDocuments.YAML;
        for (String doc : format.equals(PolicyDocuments.JSON) ? List.of(text) : PolicyDocuments.split(text)) {
          Policy sent = PolicyDocuments.parse(doc, format);
          String path = "/v1/policies/" + (sent.getNamespace().isEmpty() ? "" : enc(sent.getNamespace()) + "/") + enc(sent.getName());
          HttpResponse<String> got = http.send(HttpRequest.newBuilder(URI.create(url + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
          assertThat(got.statusCode()).as("%s: %s", file, got.body()).isEqualTo(200);
          JsonNode view = JSON.readTree(got.body());
          assertThat(view.get("document").asText()).as("%s", file).isEqualTo(doc);
          assertThat(PolicyDocuments.parse(view.get("document").asText(), view.get("format").asText())).isEqualTo(sent);
        }
      }
    }
  }

  @Test
  void aBadDocumentInAMultiDocumentFileAppliesNothing() throws Exception {
    String good = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: multi-good, namespace: cli-test}
        spec: {endpointSelector: {}, ingress: [{}]}
        """;
    Path file = dir.resolve("multi.yaml");
    Files.writeString(file, good + "---\n" + good.replace("multi-good", "multi-bad").replace("ingress: [{}]", "ingress: [{fromCIDR: [10.0.0.1/8]}]"));
    long before = controller.status().getRevision();
    int exit = new CommandLine(new NodusCommand()).execute("policy", "apply", "-f", file.toString(), "--server", url);
    assertThat(exit).isNotZero();
    assertThat(controller.status().getRevision()).isEqualTo(before);

    Files.writeString(file, good + "---\n" + good.replace("multi-good", "multi-second"));
    assertThat(new CommandLine(new NodusCommand()).execute("policy", "apply", "-f", file.toString(), "--server", url)).isZero();
    assertThat(new CommandLine(new NodusCommand()).execute("policy", "get", "multi-second", "-n", "cli-test", "--server", url)).isZero();
  }

  @Test
  void ifRevisionMakesApplyAndDeleteACompareAndSet() throws Exception {
    String doc = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: cas, namespace: cli-test}
        spec: {endpointSelector: {matchLabels: {app: a}}, ingress: [{fromEndpoints: [{matchLabels: {app: b}}]}]}
        """;
    Path file = dir.resolve("cas.yaml");
    Files.writeString(file, doc);
    assertThat(nodus("policy", "apply", "-f", file.toString(), "--if-revision", "0")).isZero();
    long created = policyRevision("cli-test", "cas");
    long before = controller.status().getRevision();
    assertThat(nodus("policy", "apply", "-f", file.toString(), "--if-revision", "0")).as("it exists").isNotZero();

    Files.writeString(file, doc.replace("app: b", "app: c"));
    assertThat(nodus("policy", "apply", "-f", file.toString(), "--if-revision", Long.toString(created + 1))).isNotZero();
    assertThat(deleteCas(created + 1)).isNotZero();
    assertThat(controller.status().getRevision()).as("refused changes leave the log as it was").isEqualTo(before);

    assertThat(nodus("policy", "apply", "-f", file.toString(), "--if-revision", Long.toString(created))).isZero();
    long updated = policyRevision("cli-test", "cas");
    assertThat(updated).isGreaterThan(created);
    assertThat(deleteCas(created)).as("a delete from a stale read").isNotZero();
    assertThat(deleteCas(updated)).isZero();
  }

  private static int nodus(String... args) {
    String[] all = Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--server";
    all[args.length + 1] = url;
    return new CommandLine(new NodusCommand()).execute(all);
  }

  private static int deleteCas(long ifRevision) {
    return nodus("policy", "delete", "cas", "-n", "cli-test", "--if-revision", Long.toString(ifRevision));
  }

  private static long policyRevision(String namespace, String name) {
    return new RestClient(url).get("/v1/policies/" + namespace + "/" + name).json().get("revision").asLong();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** The in-repo corpus: from nodus.repo.root (set by the root pom), else above the working directory. */
  private static Path corpusRoot() {
    String configured = System.getProperty("nodus.repo.root");
    if (configured != null && !configured.isBlank() && Files.isRegularFile(Path.of(configured, "conformance", "render"))) {
      return Path.of(configured, "conformance");
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("conformance").resolve("render"))) {
        return p.resolve("conformance");
      }
    }
    throw new IllegalStateException("no conformance/ folder with a render script above " + Path.of("").toAbsolutePath());
  }

  private static String render(Path corpus, Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", corpus.resolve("render").toString(), file.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("render failed for " + file);
    }
    return out;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
