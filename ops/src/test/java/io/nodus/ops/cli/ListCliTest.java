package io.nodus.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.ops.cli.InJvmCli.Run;
import io.nodus.ops.runtime.ControllerRuntime;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.HostPort;
import io.nodus.rest.RestConfig;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.RegisterNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The list verbs' paging and label selectors against a real controller behind the real REST API. */
class ListCliTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern NEXT = Pattern.compile("--continue (\\S+)");

  @TempDir
  static Path dir;

  private static ControllerRuntime runtime;
  private static String server;

  /** What one CLI run printed and returned. */

  @BeforeAll
  static void start() throws Exception {
    ControllerConfig config = ControllerConfig.builder()
        .memberId("c1")
        .peer("c1", new HostPort("127.0.0.1", InJvmCli.freePort()))
        .dataDir(dir.resolve("c1"))
        .grpcBind(new HostPort("127.0.0.1", InJvmCli.freePort()))
        .build();
    runtime = ControllerRuntime.start(config, new RestConfig("127.0.0.1", 0, 64 * 1024),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    server = "http://127.0.0.1:" + runtime.restPort();
    try (ControlPlaneClient c = runtime.controller().client()) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (c.status().getLeaderId().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      c.submit(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("n1")).build());
    }
    StringBuilder docs = new StringBuilder();
    for (int i = 0; i < 7; i++) {
      docs.append("""
          ---
          apiVersion: cilium.io/v2
          kind: CiliumNetworkPolicy
          metadata:
            name: pol-%d
            labels:
              app: %s
          spec:
            endpointSelector:
              matchLabels:
                app: x
            ingress:
            - fromEndpoints:
              - matchLabels:
                  app: y
          """.formatted(i, i % 2 == 0 ? "web" : "db"));
    }
    Path file = Files.writeString(dir.resolve("policies.yaml"), docs);
    Run applied = nodus("policy", "apply", "-f", file.toString());
    assertThat(applied.exit()).as(applied.err()).isZero();
  }

  @AfterAll
  static void stop() {
    if (runtime != null) {
      runtime.close();
    }
  }



  private static Run nodus(String... args) {
    return InJvmCli.run(server, args);
  }

  private static List<String> policyNames(String table) {
    return table.lines().skip(1).map(l -> l.trim().split("\\s+")[1]).toList();
  }

  @Test
  void limitShowsOnePageAndTheTokenOfTheNext() {
    List<String> names = new ArrayList<>();
    Run page = nodus("policy", "list", "--limit", "3");
    assertThat(page.exit()).as(page.err()).isZero();
    int pages = 1;
    names.addAll(policyNames(page.out()));
    Matcher next = NEXT.matcher(page.err());
    while (next.find()) {
      assertThat(page.err()).startsWith("more items follow; next page: --limit 3 --continue ");
      page = nodus("policy", "list", "--limit", "3", "--continue", next.group(1));
      assertThat(page.exit()).as(page.err()).isZero();
      names.addAll(policyNames(page.out()));
      next = NEXT.matcher(page.err());
      pages++;
    }
    assertThat(pages).isEqualTo(3);
    assertThat(names).containsExactly("pol-0", "pol-1", "pol-2", "pol-3", "pol-4", "pol-5", "pol-6");
  }

  @Test
  void withoutALimitEveryPageIsFetchedAndShown() {
    Run all = nodus("policy", "list", "--chunk-size", "2");
    assertThat(all.err()).isEmpty();
    assertThat(policyNames(all.out())).hasSize(7);
    Run json = nodus("policy", "list", "-o", "json", "--chunk-size", "0");
    assertThat(json.out().trim()).startsWith("[").endsWith("]").contains("\"pol-6\"");
  }

  @Test
  void aSelectorFiltersOnLabelsAndIsRefusedWhereThereAreNone() {
    assertThat(policyNames(nodus("policy", "list", "-l", "app=web").out())).containsExactly("pol-0", "pol-2", "pol-4", "pol-6");
    assertThat(policyNames(nodus("policy", "list", "--selector", "app notin (web)", "--limit", "10").out()))
        .containsExactly("pol-1", "pol-3", "pol-5");
    assertThat(nodus("identity", "list", "-l", "reserved:world").out()).contains("reserved:world").doesNotContain("reserved:host");
    Run nodes = nodus("node", "list", "-l", "app=web");
    assertThat(nodes.exit()).isEqualTo(1);
    assertThat(nodes.err()).contains("(field: labelSelector)").contains("nodes have no labels");
    Run badLimit = nodus("policy", "list", "--limit", "0");
    assertThat(badLimit.exit()).isEqualTo(2);
    assertThat(badLimit.err()).contains("--limit must be between 1 and 1000");
    Run badToken = nodus("policy", "list", "--limit", "2", "--continue", "bogus");
    assertThat(badToken.err()).contains("(field: continue)");
  }
}
