package io.nodus.raft.server;

import static io.nodus.raft.testing.Fixtures.upsertPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.storage.Directories;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.Fixtures;
import io.nodus.state.proto.ClusterState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots are RocksDB checkpoints; a restart loads the store and replays only the log tail. */
class SnapshotRestartTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dataDir;

  private ControllerServer server;
  private ControlPlaneClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
      client = null;
    }
    if (server != null) {
      server.close();
      server = null;
    }
  }

  private void start(ControllerConfig config) throws Exception {
    server = ControllerServer.start(config);
    client = server.client();
  }

  private void submitPolicies(int from, int to) {
    for (int i = from; i <= to; i++) {
      assertThat(client.submit(upsertPolicy("p" + i)).hasAccepted()).isTrue();
    }
  }

  /** Ten commands, a snapshot, five more commands, then a stop without a shutdown snapshot (as a crash would). */
  private ClusterState snapshotThenTail(ControllerConfig config) throws Exception {
    start(config);
    submitPolicies(1, 10);
    long snapshotIndex = server.takeSnapshot();
    assertThat(server.stateMachine().getLatestSnapshot().getIndex()).isEqualTo(snapshotIndex);
    submitPolicies(11, 15);
    ClusterState state = client.read(false);
    stop();
    return state;
  }

  private static ControllerConfig.Builder noShutdownSnapshot(Path dataDir) {
    return Fixtures.single(dataDir).snapshotInterval(1_000).snapshotOnShutdown(false);
  }

  @Test
  void restartAfterASnapshotReplaysOnlyTheTail() throws Exception {
    ControllerConfig config = noShutdownSnapshot(dataDir).build();
    ClusterState before = snapshotThenTail(config);

    start(config);

    Await.until(WAIT, "the restarted controller serves", () -> client.read(false).getRevision() == 15);
    assertThat(client.read(false)).isEqualTo(before);
    // The log before the snapshot was not replayed; the five commands after it were, and the
    // live store already held them.
    assertThat(server.stateMachine().skippedSinceStart()).isEqualTo(5);
    assertThat(server.stateMachine().appliedSinceStart()).isZero();
  }

  @Test
  void aLostLiveStoreIsRebuiltFromTheLatestCheckpointAndTheTail() throws Exception {
    ControllerConfig config = noShutdownSnapshot(dataDir).build();
    ClusterState before = snapshotThenTail(config);
    Path liveDb = liveStore(dataDir);
    Directories.deleteRecursively(liveDb);

    start(config);

    Await.until(WAIT, "the restarted controller serves", () -> client.read(false).getRevision() == 15);
    assertThat(client.read(false)).isEqualTo(before);
    assertThat(server.stateMachine().appliedSinceStart()).isEqualTo(5);
    assertThat(server.stateMachine().skippedSinceStart()).isZero();
  }

  @Test
  void snapshotsAreTakenAutomaticallyAndOnlyTheNewestAreKept() throws Exception {
    start(Fixtures.single(dataDir).snapshotInterval(10).snapshotsRetained(2).build());

    // One log entry per command (no Ratis metadata entries in between): 60 entries leave room for
    // several automatic snapshots past index 40.
    submitPolicies(1, 60);

    Await.until(WAIT, "automatic snapshots", () -> server.stateMachine().getLatestSnapshot() != null
        && server.stateMachine().getLatestSnapshot().getIndex() >= 40);
    Path snapshots = liveStore(dataDir).resolveSibling("snapshots");
    Await.until(WAIT, "old checkpoints deleted", () -> checkpointsIn(snapshots).size() <= 2);
  }

  @Test
  void theLogIsPurgedBehindAutomaticSnapshotsAndARestartStillRecoversEverything() throws Exception {
    ControllerConfig config = Fixtures.single(dataDir).snapshotInterval(10).logSegmentBytes(4096).snapshotOnShutdown(false).build();
    start(config);
    submitPolicies(1, 120);
    Await.until(WAIT, "the log purged behind a snapshot", () -> {
      var status = client.status();
      return status.getSnapshotIndex() >= 100 && status.getLogStartIndex() > 0;
    });
    var before = client.status();
    ClusterState state = client.read(false);
    stop();

    start(config);

    Await.until(WAIT, "the restarted controller serves", () -> client.read(false).getRevision() == 120);
    assertThat(client.read(false)).isEqualTo(state);
    assertThat(client.status().getStateHash()).isEqualTo(before.getStateHash());
    assertThat(client.status().getRequestWindowHash()).isEqualTo(before.getRequestWindowHash());
    // Only the tail after the newest checkpoint was replayed: fewer entries than were ever written.
    assertThat(server.stateMachine().appliedSinceStart() + server.stateMachine().skippedSinceStart()).isLessThan(120);
  }

  private static List<Path> checkpointsIn(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().startsWith("checkpoint_")).toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The live RocksDB directory: {@code <dataDir>/raft/<group>/sm/db}. */
  static Path liveStore(Path dataDir) throws java.io.IOException {
    try (Stream<Path> s = Files.walk(dataDir.resolve("raft"), 3)) {
      return s.filter(p -> p.getFileName().toString().equals("db") && p.getParent().getFileName().toString().equals("sm"))
          .findFirst()
          .orElseThrow();
    }
  }
}
