package io.nodus.ops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.nodus.agent.plumbing.HostNetwork;
import io.nodus.bpf.netns.NetNs;
import io.nodus.ops.demo.NamespaceTraffic;
import io.nodus.ops.e2e.ConformanceCases.Case;
import io.nodus.ops.e2e.ConformanceCases.Ep;
import io.nodus.ops.e2e.ConformanceCases.Flow;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every L3/L4-enforceable policy of the conformance corpus, enforced end to end: for each file,
 * endpoints whose labels match its selectors (and outside hosts for world and CIDR rules), the
 * policy applied through the REST API exactly as the file says, then real TCP and UDP flows that
 * must pass and flows that must be dropped ({@link ConformanceCases}). One dynamic test per file;
 * each removes its policies and endpoints before the next.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatapathConformanceE2ETest {
  private static final Path CORPUS = corpus();
  private static final Duration PASS_TIMEOUT = Duration.ofSeconds(3);
  /** A SYN that gets no answer in this time was dropped: on loopback veths an answer takes well under 1 ms. */
  private static final Duration DROP_TIMEOUT = Duration.ofMillis(700);

  private DatapathHarness h;
  private String hostIp;
  private int caseNo;

  private static Path corpus() {
    Path root = Path.of(System.getProperty("nodus.repo.root", ".."));
    Path inRepo = root.resolve("conformance");
    return Files.isDirectory(inRepo) ? inRepo : Path.of("/work/shared/conformance");
  }

  @BeforeAll
  void start() throws Exception {
    // The cilium-cli manifests select echo peers of cluster "cluster-a" (their rendered local name).
    h = DatapathHarness.startNamed(0, "cluster-a");
    hostIp = HostNetwork.primaryIpv4();
  }

  @AfterAll
  void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void everyPolicyFileOfTheCorpusIsEitherEnforcedHereOrNamedAsNotEnforceable() throws IOException {
    Set<String> files = new TreeSet<>();
    try (Stream<Path> walk = Files.walk(CORPUS)) {
      walk.filter(p -> p.toString().endsWith(".yaml")).forEach(p -> files.add(CORPUS.relativize(p).toString()));
    }
    Set<String> covered = new TreeSet<>();
    ConformanceCases.ALL.forEach(c -> covered.add(c.file()));
    assertThat(covered).isSubsetOf(files);
    assertThat(files).isEqualTo(covered);
  }

  @TestFactory
  Stream<DynamicTest> everyFileIsEnforcedOnRealTraffic() {
    return ConformanceCases.ALL.stream().map(c -> DynamicTest.dynamicTest(c.file(), () -> run(c)));
  }

  private void run(Case c) throws Exception {
    String token = "f" + (++caseNo);
    Map<String, String> names = new HashMap<>();
    List<AutoCloseable> open = new ArrayList<>();
    List<String> policies = new ArrayList<>();
    try {
      for (Ep e : c.endpoints()) {
        String name = token + "-" + e.name() + "-" + h.id;
        names.put(e.name(), name);
        h.createEndpoint(name, e.namespace(), e.labels());
      }
      Map<String, JsonNode> ready = h.awaitReady(Set.copyOf(names.values()), Duration.ofSeconds(60));
      Map<String, String> ips = new HashMap<>();
      names.forEach((shortName, name) -> ips.put(shortName, ready.get(name).path("ipv4").asText()));
      ExternalHost outside = outsideHost(c, token);
      if (outside != null) {
        open.add(outside);
      }
      listen(c, names, outside, open);

      long revision = 0;
      for (String doc : documents(c.file())) {
        JsonNode applied = h.rest.post("/v1/policies", "application/yaml", doc).json();
        policies.add(applied.path("namespace").asText().isEmpty() ? applied.path("name").asText()
            : applied.path("namespace").asText() + "/" + applied.path("name").asText());
      }
      revision = h.rest.get("/v1/cluster").revision();
      h.agentApi.awaitRevision(revision);

      List<String> failures = new ArrayList<>();
      for (Flow f : c.flows()) {
        boolean passed = probe(f, names, ips, outside);
        if (passed != f.pass()) {
          failures.add(f + " " + (passed ? "passed" : "was dropped"));
        }
      }
      assertThat(failures).as("flows of " + c.file()).isEmpty();
    } finally {
      for (String p : policies) {
        h.rest.delete("/v1/policies/" + p);
      }
      for (String name : names.values()) {
        h.deleteEndpoint(name);
      }
      for (AutoCloseable a : open) {
        a.close();
      }
    }
  }

  /** The file's policy documents, rendered (cilium-cli templates) and split at "---". */
  private static List<String> documents(String file) throws Exception {
    Process p = new ProcessBuilder("sh", CORPUS.resolve("render").toString(), CORPUS.resolve(file).toString()).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    List<String> docs = new ArrayList<>();
    for (String d : text.split("(?m)^---\\s*$")) {
      if (!d.lines().allMatch(l -> l.isBlank() || l.strip().startsWith("#"))) {
        docs.add(d);
      }
    }
    return docs;
  }

  private static ExternalHost outsideHost(Case c, String token) {
    Set<String> addresses = new LinkedHashSet<>();
    for (Flow f : c.flows()) {
      for (String side : List.of(f.from(), f.to())) {
        if (side.startsWith("ip:")) {
          addresses.add(side.substring(3));
        }
      }
    }
    return addresses.isEmpty() ? null : new ExternalHost("x" + token + "-" + TestHost.uniqueId(), List.copyOf(addresses));
  }

  /** A server on every (destination, protocol, port) the flows use, so that a flow fails only by a drop. */
  private void listen(Case c, Map<String, String> names, ExternalHost outside, List<AutoCloseable> open) throws Exception {
    Set<String> started = new TreeSet<>();
    for (Flow f : c.flows()) {
      // One outside namespace holds every outside address: one server per port serves them all.
      String where = f.to().startsWith("ip:") ? "outside" : f.to();
      if (!started.add(where + " " + f.l4())) {
        continue;
      }
      String netns = f.to().equals("host") ? null : f.to().startsWith("ip:") ? outside.namespace : names.get(f.to());
      if (f.proto().equals("udp")) {
        open.add(new NamespaceUdp.Echo(netns, f.port()));
      } else if (netns == null) {
        open.add(hostServer(f.port()));
      } else {
        open.add(NamespaceTraffic.Server.start(netns, f.port(), "hi"));
      }
    }
  }

  /** A TCP server in the agent's (host) namespace that answers and closes every connection. */
  private static AutoCloseable hostServer(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(port));
    Thread.ofPlatform().daemon().name("host-server-" + port).start(() -> {
      while (!s.isClosed()) {
        try (Socket c = s.accept()) {
          c.getOutputStream().write("hi\n".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          // closed
        }
      }
    });
    return s;
  }

  private boolean probe(Flow f, Map<String, String> names, Map<String, String> ips, ExternalHost outside) throws Exception {
    String to = f.to().equals("host") ? hostIp : f.to().startsWith("ip:") ? f.to().substring(3) : ips.get(f.to());
    Duration timeout = f.pass() ? PASS_TIMEOUT : DROP_TIMEOUT;
    String fromNs = f.from().equals("host") ? null : f.from().startsWith("ip:") ? outside.namespace : names.get(f.from());
    String bind = f.from().startsWith("ip:") ? f.from().substring(3) : null;
    if (f.proto().equals("udp")) {
      return NamespaceUdp.echoes(fromNs, to, f.port(), (int) timeout.toMillis());
    }
    return fromNs == null ? tcp(null, to, f.port(), timeout) : NetNs.call(fromNs, () -> tcp(bind, to, f.port(), timeout));
  }

  /** A TCP connection that gets the server's greeting; false when the SYN is dropped. */
  private static boolean tcp(String bind, String to, int port, Duration timeout) throws IOException {
    try (Socket s = new Socket()) {
      if (bind != null) {
        s.bind(new InetSocketAddress(InetAddress.getByName(bind), 0));
      }
      s.connect(new InetSocketAddress(InetAddress.getByName(to), port), (int) timeout.toMillis());
      s.setSoTimeout((int) timeout.toMillis());
      InputStream in = s.getInputStream();
      return in.read() >= 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (java.net.ConnectException e) {
      if (e.getMessage() != null && e.getMessage().contains("timed out")) {
        return false;
      }
      throw new AssertionError("connection to " + to + ":" + port + " refused: no server, or the flow went elsewhere", e);
    }
  }
}
