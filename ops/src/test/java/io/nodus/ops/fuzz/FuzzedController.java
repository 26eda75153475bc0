package io.nodus.ops.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.ops.runtime.ControllerRuntime;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.HostPort;
import io.nodus.rest.RestConfig;
import io.nodus.state.proto.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real single controller (Raft, RocksDB in a temporary directory, gRPC and REST on free
 * ports) that fuzz cases are sent to, one at a time, and the judge of each answer: a JSON error
 * with a code and a 4xx status that left the cluster revision where it was, or a JSON success.
 * Counts answers by status for the summary line the closing note quotes.
 */
final class FuzzedController implements AutoCloseable {
  /** Bodies up to this size are read; larger ones are a 413, which the mutations reach on purpose. */
  static final int MAX_BODY = 256 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final HostPort raft;
  private final ControllerRuntime runtime;
  private final Map<String, Map<String, Integer>> counts = new TreeMap<>();
  private final List<String> failures = new ArrayList<>();
  private int failuresLeftOut;

  private FuzzedController(Path dir, HostPort raft, ControllerRuntime runtime) {
    this.dir = dir;
    this.raft = raft;
    this.runtime = runtime;
  }

  /** Starts the controller and submits {@code setup} (e.g. a node for endpoints) once it has a leader. */
  static FuzzedController start(Command... setup) throws Exception {
    Path dir = Files.createTempDirectory("nodus-fuzz");
    HostPort raft = new HostPort("127.0.0.1", freePort());
    ControllerConfig config = ControllerConfig.builder()
        .memberId("c1")
        .peer("c1", raft)
        .dataDir(dir.resolve("c1"))
        .grpcBind(new HostPort("127.0.0.1", 0))
        .build();
    ControllerRuntime runtime = ControllerRuntime.start(config, new RestConfig("127.0.0.1", 0, MAX_BODY),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    try (ControlPlaneClient c = runtime.controller().client()) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (c.status().getLeaderId().isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no leader after 60 s");
        }
        Thread.sleep(50);
      }
      for (Command command : setup) {
        c.submit(command);
      }
    }
    return new FuzzedController(dir, raft, runtime);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Raft address of the controller, as a member request names it. */
  String raftAddress() {
    return raft.host() + ":" + raft.port();
  }

  /**
   * Sends {@code c}, counted under {@code surface}, and records a failure describing the case
   * unless the answer is a proper one; {@link #assertNoFailures} reports them all at the end, so
   * one run shows every kind of bad answer rather than the first.
   */
  synchronized void check(String surface, FuzzCase c) throws IOException {
    try {
      judge(surface, c);
    } catch (AssertionError e) {
      if (failures.size() < 25) {
        failures.add("[" + surface + "] " + e.getMessage());
      } else {
        failuresLeftOut++;
      }
    }
  }

  /**
   * Ends a fuzz class: prints each surface's summary line (which the closing note quotes),
   * then stops the controller, then fails with every bad answer recorded.
   */
  void finish(String... surfaces) throws IOException {
    for (String surface : surfaces) {
      System.out.println(summary(surface));
    }
    try {
      for (String surface : surfaces) {
        assertNoFailures(surface);
      }
    } finally {
      close();
    }
  }

  /** Fails with every recorded bad answer. */
  synchronized void assertNoFailures(String surface) {
    if (!failures.isEmpty()) {
      throw new AssertionError(surface + ": " + (failures.size() + failuresLeftOut) + " bad answers, the first "
          + failures.size() + ":\n" + String.join("\n", failures));
    }
  }

  private void judge(String surface, FuzzCase c) throws IOException {
    long before = revision();
    FuzzHttp.Answer a = FuzzHttp.send(runtime.restPort(), c);
    String bucket = a.status() >= 500 ? "5xx" : a.status() < 0 ? "no-answer" : Integer.toString(a.status());
    counts.computeIfAbsent(surface, k -> new TreeMap<>()).merge(a.status() >= 200 && a.status() < 300 ? "2xx" : bucket, 1, Integer::sum);
    String what = c + "\n  -> " + a.status() + " " + a.contentType() + " " + abbreviated(a.text());
    if (a.status() < 200 || a.status() >= 500 || (a.status() >= 300 && a.status() < 400)) {
      throw new AssertionError("neither a 4xx error nor a success: " + what);
    }
    boolean hasBody = a.body().length > 0;
    // A policy's original document is served as YAML when YAML is asked for.
    boolean yamlAsked = a.status() < 300 && c.headers().getOrDefault("Accept", "").contains("yaml")
        && a.contentType().startsWith("application/yaml");
    if ((a.status() >= 400 || hasBody) && !yamlAsked) {
      if (!a.contentType().startsWith("application/json")) {
        throw new AssertionError("answer is not JSON: " + what);
      }
      JsonNode body;
      try {
        body = JSON.readTree(a.body());
      } catch (IOException e) {
        throw new AssertionError("answer does not parse as JSON: " + what, e);
      }
      if (a.status() >= 400 && (body == null || body.path("code").asText("").isEmpty() || body.path("message").asText("").isEmpty())) {
        throw new AssertionError("error without a code and a message: " + what);
      }
    } else if (a.status() != 204) {
      throw new AssertionError("success with an empty body: " + what);
    }
    if (a.status() >= 400) {
      long after = revision();
      if (after != before) {
        throw new AssertionError("refused, yet the revision moved from " + before + " to " + after + ": " + what);
      }
    }
  }

  /** The cluster revision, read linearizably. */
  long revision() throws IOException {
    FuzzHttp.Answer a = FuzzHttp.send(runtime.restPort(), new FuzzCase("GET", "/v1/cluster", Map.of(), null));
    if (a.status() != 200) {
      throw new IllegalStateException("GET /v1/cluster answered " + a.status() + ": " + a.text());
    }
    return JSON.readTree(a.body()).path("revision").asLong();
  }

  /** One line: {@code fuzz surface=S inputs=N 2xx=.. 400=.. ... 5xx=..}. */
  synchronized String summary(String surface) {
    Map<String, Integer> all = new TreeMap<>(counts.getOrDefault(surface, Map.of()));
    int inputs = all.values().stream().mapToInt(Integer::intValue).sum();
    Stream.of("2xx", "400", "404", "405", "409", "412", "413", "415", "5xx").forEach(k -> all.putIfAbsent(k, 0));
    return "fuzz surface=" + surface + " inputs=" + inputs + " " + all.entrySet().stream()
        .sorted(Comparator.comparing((Map.Entry<String, Integer> e) -> e.getKey().equals("5xx") ? "zzz" : e.getKey()))
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
  }

  private static String abbreviated(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }

  @Override
  public void close() throws IOException {
    runtime.close();
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
