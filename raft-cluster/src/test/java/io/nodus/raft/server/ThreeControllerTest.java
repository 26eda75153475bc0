package io.nodus.raft.server;

import static io.nodus.raft.testing.Fixtures.upsertPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.client.ReadConsistency;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.Member;
import io.nodus.raft.proto.MemberRole;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.Fixtures;
import io.nodus.raft.testing.InProcessCluster;
import io.nodus.raft.testing.RecordingListener;
import io.nodus.state.proto.ClusterState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three controllers in one JVM: followers serve writes, reads and watches; laggards get snapshots. */
class ThreeControllerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path root;

  private InProcessCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFollowerAcceptsWritesAndServesLinearizableReadsAndWatches() throws Exception {
    cluster = new InProcessCluster(root, 3, b -> b);
    int leader = cluster.awaitLeader(WAIT);
    ControllerServer follower = cluster.server((leader + 1) % 3);

    try (ControlPlaneClient client = GrpcControlPlaneClient.connect(List.of(follower.grpcAddress().toString()))) {
      RecordingListener listener = new RecordingListener();
      WatchSubscription watch = client.watch(0, listener);
      // The watch starts on its own thread: write only once it has sent its snapshot, or a write
      // may land first and the snapshot (correctly) be at revision 1.
      Await.until(WAIT, "the follower's watch snapshot", () -> !listener.snapshots().isEmpty());
      for (int i = 1; i <= 5; i++) {
        assertThat(client.submit(upsertPolicy("p" + i)).hasAccepted()).isTrue();
      }
      ClusterState state = client.read(ReadConsistency.LINEARIZABLE);
      Await.until(WAIT, "events on the follower's watch", () -> listener.lastRevision() == 5);
      watch.close();

      assertThat(state.getRevision()).isEqualTo(5);
      assertThat(listener.snapshots()).singleElement().satisfies(s -> assertThat(s.getRevision()).isZero());
      assertThat(listener.eventRevisions()).isEqualTo(LongStream.rangeClosed(1, 5).boxed().toList());
      ClusterStatus status = client.status();
      assertThat(status.getMemberId()).isEqualTo(follower.memberId());
      assertThat(status.getLeaderId()).isEqualTo(cluster.server(leader).memberId());
      assertThat(status.getMembersList()).extracting(Member::getId).containsExactly("c1", "c2", "c3");
      assertThat(status.getMembersList()).filteredOn(m -> m.getId().equals(follower.memberId()))
          .singleElement().extracting(Member::getRole).isEqualTo(MemberRole.FOLLOWER);
      assertThat(status.getMembersList()).allSatisfy(m -> assertThat(m.getGrpcAddress()).isNotEmpty());
    }
  }

  @Test
  void aClientGivenAFollowerFirstSendsItsNextWritesToTheLeader() throws Exception {
    cluster = new InProcessCluster(root, 3, b -> b);
    int leader = cluster.awaitLeader(WAIT);
    ControllerServer follower = cluster.server((leader + 1) % 3);
    List<String> addresses = List.of(follower.grpcAddress().toString(), cluster.server((leader + 2) % 3).grpcAddress().toString(),
        cluster.server(leader).grpcAddress().toString());

    try (ControlPlaneClient client = GrpcControlPlaneClient.connect(addresses)) {
      assertThat(client.status().getMemberId()).isEqualTo(follower.memberId());
      assertThat(client.submit(upsertPolicy("first")).hasAccepted()).isTrue();
      // The follower forwarded that write and named the leader: the client now talks to the leader.
      assertThat(client.status().getMemberId()).isEqualTo(cluster.server(leader).memberId());
      assertThat(client.submit(upsertPolicy("second")).getAccepted().getRevision()).isEqualTo(2);
    }
  }

  @Test
  void theLeaderAskedToRemoveItselfHandsOverAndTheOthersGoOnCommitting() throws Exception {
    cluster = new InProcessCluster(root, 3, b -> b);
    int leader = cluster.awaitLeader(WAIT);
    String leaderId = cluster.server(leader).memberId();
    ControllerServer stays = cluster.server((leader + 1) % 3);

    try (GrpcControlPlaneClient onLeader = GrpcControlPlaneClient.connect(List.of(cluster.server(leader).grpcAddress().toString()));
         ControlPlaneClient other = GrpcControlPlaneClient.connect(List.of(stays.grpcAddress().toString()))) {
      assertThat(onLeader.submit(upsertPolicy("before")).hasAccepted()).isTrue();
      long started = System.nanoTime();
      MembershipResponse removed = onLeader.removeMember(leaderId);

      assertThat(removed.hasStatus()).as("%s", removed).isTrue();
      assertThat(removed.getStatus().getMembersList()).extracting(Member::getId).doesNotContain(leaderId).hasSize(2);
      // The hand-over takes an election's time, not a request timeout's.
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
      assertThat(other.submit(upsertPolicy("after")).getAccepted().getRevision()).isGreaterThan(1);
      ClusterStatus status = other.status();
      assertThat(status.getLeaderId()).isNotEmpty().isNotEqualTo(leaderId);
      assertThat(status.getMembersList()).extracting(Member::getId).doesNotContain(leaderId);
    }
  }

  @Test
  void aStaleReadOnAFollowerSaysWhichRevisionItReflects() throws Exception {
    cluster = new InProcessCluster(root, 3, b -> b);
    int leader = cluster.awaitLeader(WAIT);
    ControllerServer follower = cluster.server((leader + 1) % 3);

    try (ControlPlaneClient writer = cluster.server(leader).client();
        ControlPlaneClient reader = GrpcControlPlaneClient.connect(List.of(follower.grpcAddress().toString()))) {
      long last = 0;
      for (int i = 1; i <= 20; i++) {
        last = writer.submit(upsertPolicy("p" + i)).getAccepted().getRevision();
        // Right after a write the follower may or may not have applied it: whatever it answers
        // must be the state at the revision it names (one policy per revision here).
        ClusterState stale = reader.read(ReadConsistency.STALE);
        assertThat(stale.getRevision()).isBetween(0L, last);
        assertThat((long) stale.getPoliciesCount()).isEqualTo(stale.getRevision());
      }
      long written = last;
      Await.until(WAIT, "the follower applies the last write", () -> reader.read(ReadConsistency.STALE).getRevision() == written);
      assertThat(reader.read(ReadConsistency.LINEARIZABLE).getRevision()).isEqualTo(written);
      assertThat(reader.status().getMemberId()).isEqualTo(follower.memberId());
    }
  }

  @Test
  void aFollowerBehindThePurgedLogInstallsTheLeadersSnapshot() throws Exception {
    cluster = new InProcessCluster(root, 3, b -> b.snapshotInterval(20).logSegmentBytes(4096));
    int leader = cluster.awaitLeader(WAIT);
    int lagging = (leader + 1) % 3;
    cluster.stop(lagging);

    try (ControlPlaneClient client = cluster.server(leader).client()) {
      for (int i = 1; i <= 80; i++) {
        assertThat(client.submit(upsertPolicy("p" + i)).hasAccepted()).isTrue();
      }
      cluster.start(lagging);
      ControllerServer restarted = cluster.server(lagging);
      ClusterStatus leaderStatus = cluster.server(leader).status();

      Await.until(WAIT, "the restarted follower catches up",
          () -> restarted.status().getRevision() == leaderStatus.getRevision());
      Fixtures.awaitServing(restarted);

      assertThat(restarted.status().getStateHash()).isEqualTo(cluster.server(leader).status().getStateHash());
      assertThat(restarted.stateMachine().snapshotsInstalled()).isPositive();
      assertThat(restarted.client().read(ReadConsistency.STALE).getPoliciesCount()).isEqualTo(80);
    }
  }
}
