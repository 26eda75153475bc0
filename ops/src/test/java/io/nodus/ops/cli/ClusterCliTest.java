package io.nodus.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.ops.cli.InJvmCli.Run;
import io.nodus.ops.runtime.ControllerRuntime;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.ControllerServer;
import io.nodus.raft.server.HostPort;
import io.nodus.rest.RestConfig;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.RegisterNode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service, IPAM, node and cluster-membership verbs against a real controller (Ratis, RocksDB
 * on disk) behind the real REST API; add-member joins a second real controller.
 */
class ClusterCliTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

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

  @Test
  void upsertsListsAndDeletesServicesAndNamesABadField() {
    Run up = nodus("service", "upsert", "web", "--frontend", "10.96.0.10:80/tcp", "--backend", "10.200.0.5:8080,weight=5",
        "--backend", "10.200.0.6:8080,state=terminating,node=n1", "--affinity");
    assertThat(up.exit()).as(up.err()).isZero();
    assertThat(up.out()).contains("service default/web (id 1) on 10.96.0.10:80/TCP with 2 backend(s)");

    Run list = nodus("service", "list");
    assertThat(list.out()).contains("web").contains("10.200.0.6:8080(terminating)").contains("affinity=10800s");
    Run conflict = nodus("service", "upsert", "other", "--frontend", "10.96.0.10:80");
    assertThat(conflict.exit()).isEqualTo(1);
    assertThat(conflict.err()).contains("(field: frontend)").contains("already_exists");
    Run bad = nodus("service", "upsert", "bad", "--frontend", "10.96.0.999:80");
    assertThat(bad.err()).contains("(field: frontend.ip)");
    assertThat(nodus("service", "delete", "web").exit()).isZero();
    assertThat(nodus("service", "list").out()).doesNotContain("web");
  }

  @Test
  void createsPoolsAllocatesAndReleasesAddresses() {
    assertThat(nodus("ipam", "pool", "create", "lb", "--cidr", "10.60.0.0/30", "--block-prefix", "32").exit()).isZero();

    Run first = nodus("ipam", "allocate", "lb", "--owner", "svc-a");
    Run second = nodus("ipam", "allocate", "lb", "--owner", "svc-b");

    assertThat(first.out().strip()).isEqualTo("10.60.0.0/32");
    assertThat(second.out().strip()).isEqualTo("10.60.0.1/32");
    assertThat(nodus("ipam", "pool", "get", "lb").out()).contains("svc-a").contains("svc-b");
    assertThat(nodus("ipam", "release", "lb", "10.60.0.0/32").exit()).isZero();
    assertThat(nodus("ipam", "pool", "list").out()).contains("default").containsPattern("lb\\s+10.60.0.0/30\\s+/32\\s+1");
    assertThat(nodus("ipam", "pool", "create", "x", "--cidr", "10.200.4.0/24", "--block-prefix", "32").err())
        .contains("(field: cidr)").contains("overlaps pool default");
  }

  @Test
  void deletesANodeOnlyWithCascadeWhileItHostsEndpoints() throws Exception {
    try (ControlPlaneClient c = runtime.controller().client()) {
      c.submit(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("gone")).build());
    }
    assertThat(nodus("endpoint", "create", "ep-gone", "--node", "gone", "--labels", "app=x", "--no-wait").exit()).isZero();

    Run refused = nodus("node", "delete", "gone");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("ep-gone").contains("failed_precondition");
    assertThat(nodus("node", "delete", "gone", "--cascade").out()).contains("node gone removed");
    assertThat(nodus("node", "list").out()).doesNotContain("gone");
  }

  @Test
  void addsAJoiningControllerAndRemovesIt() throws Exception {
    HostPort raft2 = new HostPort("127.0.0.1", InJvmCli.freePort());
    HostPort grpc2 = new HostPort("127.0.0.1", InJvmCli.freePort());
    ControllerConfig c1 = runtime.controller().config();
    ControllerConfig joining = ControllerConfig.builder().memberId("c2")
        .peers(java.util.Map.of("c1", c1.raftBind(), "c2", raft2))
        .dataDir(dir.resolve("c2")).grpcBind(grpc2).join(true).build();
    try (ControllerServer c2 = ControllerServer.start(joining)) {
      Run added = nodus("cluster", "add-member", "c2=" + raft2, "--grpc", grpc2.toString());
      assertThat(added.exit()).as(added.err()).isZero();
      assertThat(added.out()).containsPattern("(?m)^c2\\s+" + raft2 + "\\s+" + grpc2);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (c2.status().getRevision() < runtime.controller().status().getRevision() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(c2.status().getStateHash()).isEqualTo(runtime.controller().status().getStateHash());

      Run removed = nodus("cluster", "remove-member", "c2");
      assertThat(removed.exit()).as(removed.err()).isZero();
      // Table rows start with the member id (log lines of the in-process controllers may mention c2).
      assertThat(removed.out()).containsPattern("(?m)^c1\\s").doesNotContainPattern("(?m)^c2\\s");
      assertThat(nodus("cluster", "status").out()).containsPattern("(?m)^c1\\s").doesNotContainPattern("(?m)^c2\\s");
    }
    assertThat(nodus("cluster", "add-member", "c3", "--grpc", "127.0.0.1:1").err()).contains("ID=HOST:RAFTPORT");
    assertThat(nodus("cluster", "add-member", "c3=127.0.0.1:99999", "--grpc", "127.0.0.1:1").err()).contains("(field: raftAddress)");
  }
}
