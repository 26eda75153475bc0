package io.nodus.raft.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.client.ReadConsistency;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.ExactlyOnce;
import io.nodus.raft.testing.Fixtures;
import io.nodus.raft.testing.ProcessCluster;
import io.nodus.raft.testing.RecordingListener;
import io.nodus.raft.testing.Workload;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.ResourceKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults on three controller processes under concurrent, non-idempotent writes with client
 * retries: SIGKILL of a follower and of the leader, SIGSTOP/SIGCONT of the leader, and a restart
 * of the whole cluster. After each fault the live replicas converge on one revision, state hash
 * and request window; at the end every acknowledged write is in the history exactly once with the
 * answer its writer got, nothing was applied twice, and watchers that started on different
 * controllers (one filtered by kind) saw every event of theirs exactly once, in order.
 *
 * <p>One scenario, faults in sequence, so that three JVMs start once (twice with the full
 * restart): the whole run takes about a minute on two cores.
 */
class ControlPlaneFaultsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String POOL = "faults";
  private static final List<String> IDS = List.of("c1", "c2", "c3");
  /** Writes acknowledged under each fault before it is lifted. */
  private static final int PER_PHASE = 40;

  @TempDir
  Path root;

  @Test
  void noAcknowledgedWriteIsLostOrAppliedTwiceThroughKillsPausesAndAFullRestart() throws Exception {
    // Snapshots every 100 entries and small log segments: restarts load checkpoints and replay tails.
    try (ProcessCluster cluster = new ProcessCluster(root, IDS, List.of("--snapshot-interval", "100", "--log-segment-bytes", "65536"))) {
      ControlPlaneClient admin = cluster.client("c1");
      Await.until(WAIT, "a leader", () -> !admin.status().getLeaderId().isEmpty());
      assertThat(admin.submit(Fixtures.createPool(POOL, "10.80.0.0/16", 32)).hasAccepted()).isTrue();

      List<RecordingListener> watchers = new ArrayList<>();
      List<WatchSubscription> subscriptions = new ArrayList<>();
      for (String first : IDS) {
        RecordingListener w = new RecordingListener();
        watchers.add(w);
        subscriptions.add(cluster.client(first).watch(1, w));
      }
      RecordingListener ipamWatcher = new RecordingListener();
      Set<ResourceKind> ipam = Set.of(ResourceKind.KIND_IPAM);
      subscriptions.add(cluster.client("c3").watch(1, ipam, ipamWatcher));

      Workload workload = new Workload(cluster.client("c2"), POOL, "w").start(3);
      workload.awaitMore(PER_PHASE, WAIT);

      // 1. SIGKILL a follower while writes go on; it comes back and catches up.
      String leader = cluster.awaitLeader(IDS, WAIT);
      String follower = IDS.stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      cluster.process(follower).kill();
      workload.awaitMore(PER_PHASE, WAIT);
      cluster.start(follower);
      workload.awaitMore(PER_PHASE / 2, WAIT);
      converge(cluster, workload);

      // 2. SIGKILL the leader; the others elect a new one and writes continue.
      String killed = cluster.awaitLeader(IDS, WAIT);
      cluster.process(killed).kill();
      List<String> survivors = IDS.stream().filter(id -> !id.equals(killed)).toList();
      workload.awaitMore(PER_PHASE, WAIT);
      assertThat(cluster.awaitLeader(survivors, WAIT)).isNotEqualTo(killed);
      cluster.start(killed);
      workload.awaitMore(PER_PHASE / 2, WAIT);
      converge(cluster, workload);

      // 3. SIGSTOP the leader: frozen with its sockets open, it is replaced; SIGCONT, it steps down.
      String paused = cluster.awaitLeader(IDS, WAIT);
      cluster.process(paused).pause();
      try {
        workload.awaitMore(PER_PHASE, WAIT);
      } finally {
        cluster.process(paused).resume();
      }
      workload.awaitMore(PER_PHASE / 2, WAIT);
      ClusterStatus settled = converge(cluster, workload);
      assertThat(settled.getLeaderId()).isNotEmpty();
      workload.stop();
      ClusterStatus beforeRestart = cluster.awaitConvergence(IDS, WAIT);

      // 4. Every controller dies at once; the cluster comes back with the same state and carries on.
      for (String id : IDS) {
        cluster.process(id).kill();
      }
      for (String id : IDS) {
        cluster.start(id);
      }
      ClusterStatus afterRestart = cluster.awaitConvergence(IDS, WAIT);
      assertThat(afterRestart.getRevision()).isEqualTo(beforeRestart.getRevision());
      assertThat(afterRestart.getStateHash()).isEqualTo(beforeRestart.getStateHash());
      assertThat(afterRestart.getRequestWindowHash()).isEqualTo(beforeRestart.getRequestWindowHash());
      Workload after = new Workload(cluster.client("c3"), POOL, "x").start(2);
      after.awaitMore(PER_PHASE / 2, WAIT);
      after.stop();
      // Resending every acknowledged write of the first workload now changes nothing.
      GrpcControlPlaneClient resender = cluster.client("c1");
      workload.acknowledged().forEach((id, result) -> assertThat(resender.submit(
          Fixtures.allocate(POOL, id).toBuilder().setRequestId(id).build())).as("resend of %s", id).isEqualTo(result));
      ClusterStatus end = cluster.awaitConvergence(IDS, WAIT);

      ClusterState state = cluster.direct(end.getMemberId()).read(ReadConsistency.STALE);
      Await.until(WAIT, "watchers reach the end", () -> watchers.stream().allMatch(w -> w.lastRevision() == end.getRevision())
          && ipamWatcher.covered() == end.getRevision());
      subscriptions.forEach(WatchSubscription::close);
      List<io.nodus.state.proto.Event> history = watchers.getFirst().events();
      ExactlyOnce.check(history, List.of(workload, after), state, POOL);
      ExactlyOnce.checkWatchers(history, watchers, ipamWatcher, ipam);
      System.out.printf("faults acknowledged=%d+%d resent=%d failedCalls=%d abandoned=%d revision=%d%n",
          workload.acknowledgedCount(), after.acknowledgedCount(), workload.resent(), workload.failedCalls(),
          workload.abandoned().size(), end.getRevision());
    }
  }

  /** Holds the writers while every replica is compared: under load they are never all at one revision. */
  private static ClusterStatus converge(ProcessCluster cluster, Workload workload) {
    workload.pause();
    try {
      return cluster.awaitConvergence(IDS, WAIT);
    } finally {
      workload.resume();
    }
  }
}
