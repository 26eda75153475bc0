package io.nodus.raft.faults;

import static io.nodus.raft.testing.Fixtures.allocate;
import static io.nodus.raft.testing.Fixtures.createPool;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.ReadConsistency;
import io.nodus.raft.server.LeadershipTransfer;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.ProcessCluster;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.IpamAllocation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One of three controllers runs an hour ahead (Debian's libfaketime; CLOCK_MONOTONIC left alone,
 * as clock steps from NTP, an operator or a VM resume leave it). A request answered under a
 * correct leader is retried after the skewed member has led and stamped entries, and again after
 * leadership came back: it is applied once. Under the old leader-wall-clock window, the skewed
 * leader's first entry expired the whole window and the retry was applied a second time.
 */
class ClockSkewTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final List<String> IDS = List.of("c1", "c2", "c3");
  private static final String SKEWED = "c3";
  private static final String POOL = "skew";
  private static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1");

  @TempDir
  Path root;

  @Test
  void aRetryAcrossALeaderAnHourAheadIsAppliedOnce() throws Exception {
    assertThat(LIBFAKETIME).as("libfaketime (Debian package faketime)").exists();
    // FAKETIME_FORCE_MONOTONIC_FIX=0: with DONT_FAKE_MONOTONIC, Debian 12's libfaketime 0.9.10 makes
    // every timed wait of the JVM return at once unless its monotonic "fix" is off (fixed upstream later).
    Map<String, String> hourAhead = Map.of("LD_PRELOAD", LIBFAKETIME.toString(), "FAKETIME", "+1h",
        "FAKETIME_DONT_FAKE_MONOTONIC", "1", "FAKETIME_FORCE_MONOTONIC_FIX", "0");
    try (ProcessCluster cluster = new ProcessCluster(root, IDS, List.of(), Map.of(SKEWED, hourAhead))) {
      assertThat(lastLogHour(cluster)).as("the skewed member logs an hour ahead").isEqualTo(LocalTime.now().plusHours(1).getHour());
      cluster.awaitLeader(IDS, WAIT);
      LeadershipTransfer.to(cluster, "c1", WAIT);
      ControlPlaneClient client = cluster.client("c1");
      assertThat(client.submit(createPool(POOL, "10.90.0.0/24", 32)).hasAccepted()).isTrue();
      Command first = allocate(POOL, "first").toBuilder().setRequestId("first").build();
      CommandResult answered = client.submit(first);
      assertThat(answered.hasAccepted()).isTrue();

      LeadershipTransfer.to(cluster, SKEWED, WAIT);
      Await.until(WAIT, SKEWED + " leads", () -> cluster.statusOf("c1").getLeaderId().equals(SKEWED));
      Command second = allocate(POOL, "second").toBuilder().setRequestId("second").build();
      CommandResult secondAnswer = cluster.direct(SKEWED).submit(second);
      assertThat(secondAnswer.hasAccepted()).isTrue();
      assertThat(cluster.direct(SKEWED).submit(first)).as("the retry under the skewed leader").isEqualTo(answered);

      LeadershipTransfer.to(cluster, "c1", WAIT);
      Await.until(WAIT, "c1 leads again", () -> cluster.statusOf("c2").getLeaderId().equals("c1"));
      assertThat(client.submit(first)).as("the retry after leadership came back").isEqualTo(answered);
      assertThat(client.submit(second)).isEqualTo(secondAnswer);

      ClusterState state = client.read(ReadConsistency.LINEARIZABLE);
      assertThat(state.getIpamAllocationsList()).filteredOn(a -> a.getPool().equals(POOL)).extracting(IpamAllocation::getOwner)
          .containsExactlyInAnyOrder("first", "second");
      cluster.awaitConvergence(IDS, WAIT);
    }
  }

  /** The hour of the last timestamped line of the skewed member's log (its wall clock, as libfaketime fakes it). */
  private static int lastLogHour(ProcessCluster cluster) throws Exception {
    String tail = cluster.process(SKEWED).tail();
    List<String> stamped = tail.lines().filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*")).toList();
    assertThat(stamped).as("timestamped lines in %s's log", SKEWED).isNotEmpty();
    return Integer.parseInt(stamped.getLast().substring(0, 2));
  }
}
