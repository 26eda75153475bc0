package io.nodus.raft.faults;

import static io.nodus.raft.testing.Fixtures.allocate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.ControlPlaneException;
import io.nodus.raft.client.ReadConsistency;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.ReplicaCondition;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.ExactlyOnce;
import io.nodus.raft.testing.Fixtures;
import io.nodus.raft.testing.LoopDisk;
import io.nodus.raft.testing.ProcessCluster;
import io.nodus.raft.testing.RecordingListener;
import io.nodus.raft.testing.Workload;
import io.nodus.state.proto.ClusterState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader of three controller processes runs out of disk under a stream of writes: it stops
 * its replica (it neither leads nor votes), refuses at once what is sent to it, the two others
 * elect a leader and go on, and once the space is freed it comes back by itself, catches up and
 * converges; every acknowledged write is applied exactly once. Each controller's data directory
 * is its own ext4 file system on a loop device.
 */
class StorageFaultClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final List<String> IDS = List.of("c1", "c2", "c3");
  private static final String POOL = "disk";

  @TempDir
  Path root;

  @Test
  void aLeaderWhoseDiskFillsStepsAsideAndComesBackWhenSpaceIsFreed() throws Exception {
    List<LoopDisk> disks = new ArrayList<>();
    try {
      for (String id : IDS) {
        disks.add(LoopDisk.create(64, root.resolve(id)));
      }
      try (ProcessCluster cluster = new ProcessCluster(root, IDS, List.of("--min-free-bytes", Long.toString(4L << 20),
          "--log-segment-bytes", Integer.toString(256 << 10), "--snapshot-interval", "200"))) {
        ControlPlaneClient client = cluster.client("c1");
        String leader = cluster.awaitLeader(IDS, WAIT);
        assertThat(client.submit(Fixtures.createPool(POOL, "10.80.0.0/16", 32)).hasAccepted()).isTrue();
        Workload workload = new Workload(client, POOL, "w").start(3);
        try {
          workload.awaitMore(150, WAIT);

          disks.get(IDS.indexOf(leader)).fill();
          Await.until(WAIT, "the leader reports its storage failed",
              () -> cluster.statusOf(leader).getHealth().getCondition() == ReplicaCondition.STORAGE_FAILED);
          ControlPlaneException refused = catchThrowableOfType(ControlPlaneException.class,
              () -> cluster.direct(leader).submit(allocate(POOL, "sent-to-the-full-one")));
          assertThat(refused.code()).isEqualTo("storage_unavailable");
          List<String> others = IDS.stream().filter(id -> !id.equals(leader)).toList();
          Await.until(WAIT, "the others elect a leader among themselves", () -> others.stream()
              .map(id -> cluster.statusOf(id).getLeaderId()).allMatch(l -> others.contains(l)));
          workload.awaitMore(150, WAIT);

          disks.get(IDS.indexOf(leader)).free();
          Await.until(WAIT, "the former leader serves again",
              () -> cluster.statusOf(leader).getHealth().getCondition() == ReplicaCondition.SERVING);
          assertThat(cluster.statusOf(leader).getHealth().getRecoveries()).isEqualTo(1);
          workload.awaitMore(100, WAIT);
        } finally {
          workload.stop();
        }
        ClusterStatus end = cluster.awaitConvergence(IDS, WAIT);
        ClusterState state = cluster.direct(leader).read(ReadConsistency.LINEARIZABLE);
        RecordingListener history = new RecordingListener();
        try (WatchSubscription ignored = cluster.direct(leader).watch(1, history)) {
          Await.until(WAIT, "the whole history", () -> history.lastRevision() == end.getRevision());
        }
        ExactlyOnce.check(history.events(), List.of(workload), state, POOL);
        System.out.printf("storage fault cluster leader=%s next=%s revision=%d%n", leader, end.getLeaderId(), end.getRevision());
      }
    } finally {
      for (LoopDisk d : disks) {
        d.close();
      }
    }
  }
}
