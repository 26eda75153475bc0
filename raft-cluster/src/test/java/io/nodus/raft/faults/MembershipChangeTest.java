package io.nodus.raft.faults;

import static io.nodus.raft.testing.Fixtures.upsertPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.client.ReadConsistency;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.Member;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.ProcessCluster;
import io.nodus.raft.testing.RecordingListener;
import io.nodus.state.model.RejectionCodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Controllers join and leave a running three-member group: a joining member catches up by
 * installing the leader's snapshot (the log it would need is purged), then serves reads and
 * watches; a removed member stops counting, so the group commits with it and one more member down.
 */
class MembershipChangeTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path root;

  @Test
  void aJoiningMemberCatchesUpBySnapshotAndServesWatchesAndARemovedOneStopsVoting() throws Exception {
    // Snapshots every 50 entries, 8 KiB log segments: the log behind each snapshot is purged.
    try (ProcessCluster cluster = new ProcessCluster(root, List.of("c1", "c2", "c3"),
        List.of("--snapshot-interval", "50", "--log-segment-bytes", "8192"))) {
      GrpcControlPlaneClient client = cluster.client("c1");
      Await.until(WAIT, "a leader", () -> !client.status().getLeaderId().isEmpty());
      for (int i = 1; i <= 200; i++) {
        assertThat(client.submit(upsertPolicy("p" + i)).hasAccepted()).isTrue();
      }
      String leader = cluster.awaitLeader(List.of("c1", "c2", "c3"), WAIT);
      Await.until(WAIT, "the leader purges its log", () -> cluster.statusOf(leader).getLogStartIndex() > 0);

      cluster.startJoining("c4");
      assertThat(cluster.statusOf("c4").getMembersList()).as("a joining member is in no configuration yet").isEmpty();
      MembershipResponse added = client.addMember("c4", cluster.raftAddress("c4").toString(), cluster.grpcAddress("c4").toString());

      assertThat(added.hasStatus()).as("%s", added).isTrue();
      assertThat(added.getStatus().getMembersList()).extracting(Member::getId).containsExactly("c1", "c2", "c3", "c4");
      assertThat(added.getStatus().getMembersList()).filteredOn(m -> m.getId().equals("c4")).singleElement()
          .extracting(Member::getGrpcAddress).isEqualTo(cluster.grpcAddress("c4").toString());
      ClusterStatus caughtUp = cluster.awaitConvergence(List.of("c1", "c2", "c3", "c4"), WAIT);
      assertThat(cluster.statusOf("c4").getSnapshotsInstalled()).as("c4 installed a snapshot").isPositive();
      assertThat(caughtUp.getRevision()).isGreaterThanOrEqualTo(201);

      // The new member serves reads and watches on its own.
      GrpcControlPlaneClient onlyC4 = cluster.direct("c4");
      RecordingListener watcher = new RecordingListener();
      try (WatchSubscription ignored = onlyC4.watch(0, watcher)) {
        Await.until(WAIT, "the snapshot from c4", () -> !watcher.snapshots().isEmpty());
        long start = watcher.snapshots().getFirst().getRevision();
        assertThat(watcher.snapshots().getFirst().getPoliciesCount()).isEqualTo(200);
        long last = 0;
        for (int i = 201; i <= 210; i++) {
          last = onlyC4.submit(upsertPolicy("p" + i)).getAccepted().getRevision();
        }
        long end = last;
        Await.until(WAIT, "c4 streams the new events", () -> watcher.lastRevision() == end);
        assertThat(watcher.eventRevisions()).isEqualTo(LongStream.rangeClosed(start + 1, end).boxed().toList());
        assertThat(onlyC4.read(ReadConsistency.LINEARIZABLE).getPoliciesCount()).isEqualTo(210);
      }

      // Removing c3: the group is c1, c2, c4, so with c3 and c2 down c1 and c4 still commit.
      MembershipResponse removed = client.removeMember("c3");
      assertThat(removed.getStatus().getMembersList()).extracting(Member::getId).containsExactly("c1", "c2", "c4");
      assertThat(client.removeMember("c3").getRejection().getCode()).isEqualTo(RejectionCodes.NOT_FOUND);
      cluster.process("c3").kill();
      cluster.process("c2").kill();
      GrpcControlPlaneClient survivors = cluster.client("c1");
      assertThat(survivors.submit(upsertPolicy("after-removal")).hasAccepted()).isTrue();
      ClusterStatus end = cluster.awaitConvergence(List.of("c1", "c4"), WAIT);
      assertThat(cluster.statusOf("c4").getMembersList()).extracting(Member::getId).containsExactly("c1", "c2", "c4");
      assertThat(end.getLeaderId()).isIn("c1", "c4");
    }
  }
}
