package io.nodus.raft.faults;

import static io.nodus.raft.testing.Fixtures.allocate;
import static io.nodus.raft.testing.Fixtures.createPool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.ControlPlaneException;
import io.nodus.raft.client.ReadConsistency;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.raft.proto.ReplicaCondition;
import io.nodus.raft.proto.ReplicaHealth;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.ControllerServer;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.ExactlyOnce;
import io.nodus.raft.testing.Fixtures;
import io.nodus.raft.testing.LoopDisk;
import io.nodus.raft.testing.RecordingListener;
import io.nodus.raft.testing.Workload;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.IpamAllocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A controller whose disk fills up or whose store cannot be read fails closed and heals by
 * itself: on a real ext4 file system on a loop device, filled until the kernel answers ENOSPC,
 * and a store directory made immutable ({@code chattr +i}). Writes and reads are refused at once
 * with {@code storage_unavailable} naming the cause, health says why, no state is served
 * meanwhile, and once the fault clears the same process serves again, with every acknowledged
 * write applied exactly once.
 */
class StorageFaultTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String POOL = "disk";
  /** Refusals must be immediate: well under the client's 30 s retry budget. */
  private static final Duration AT_ONCE = Duration.ofSeconds(2);

  private ControllerServer server;
  private ControlPlaneClient client;
  private LoopDisk disk;

  /** The controller first, then its disk. */
  @AfterEach
  void cleanUp() throws Exception {
    try {
      stop();
    } finally {
      if (disk != null) {
        disk.close();
      }
    }
  }

  private void stop() throws Exception {
    if (client != null) {
      client.close();
      client = null;
    }
    if (server != null) {
      server.close();
      server = null;
    }
  }

  private ControllerConfig config() {
    // Small segments and frequent snapshots: the log rolls and checkpoints are written while the disk fills.
    return Fixtures.single(disk.root().resolve("c1")).minFreeBytes(4L << 20).logSegmentBytes(256 << 10)
        .snapshotInterval(200).build();
  }

  private void start(ControllerConfig config) throws IOException {
    server = ControllerServer.start(config);
    client = server.client();
  }

  @Test
  void aDiskThatFillsUnderWritesStopsThemAtOnceAndTheyResumeWhenSpaceIsFreedWithoutARestart() throws Exception {
    disk = LoopDisk.create(64);
    start(config());
    Fixtures.awaitServing(server);
    assertThat(client.submit(createPool(POOL, "10.80.0.0/16", 32)).hasAccepted()).isTrue();
    try (Workload workload = new Workload(client, POOL, "w").start(2)) {
      workload.awaitMore(150, WAIT);

      disk.fill();
      Await.until(WAIT, "the controller reports its storage failed", () -> condition() == ReplicaCondition.STORAGE_FAILED);
      ReplicaHealth failed = server.status().getHealth();
      assertThat(failed.getReason()).containsAnyOf("disk full", "No space left");
      assertThat(failed.getReason()).contains(disk.root().toString());
      assertRefusedAtOnce(() -> client.submit(allocate(POOL, "during-the-fault")));
      assertRefusedAtOnce(() -> client.read(ReadConsistency.LINEARIZABLE));
      assertRefusedAtOnce(() -> client.read(ReadConsistency.STALE));

      disk.free();
      Await.until(WAIT, "the controller serves again", () -> condition() == ReplicaCondition.SERVING);
      assertThat(server.status().getHealth().getRecoveries()).isEqualTo(1);
      workload.awaitMore(150, WAIT);
      workload.stop();
      checkExactlyOnce(List.of(workload));
    }
  }

  @Test
  void aControllerRestartedOnAFullDiskServesNoStateUntilSpaceIsFreedThenEveryAcknowledgedWrite() throws Exception {
    disk = LoopDisk.create(64);
    ControllerConfig config = config();
    Workload workload = writeThenStop(config);

    disk.fill();
    start(config);
    assertThat(condition()).isEqualTo(ReplicaCondition.STORAGE_FAILED);
    assertNothingServed();

    disk.free();
    Await.until(WAIT, "the controller serves", () -> condition() == ReplicaCondition.SERVING);
    checkExactlyOnce(List.of(workload));
  }

  @Test
  void aStoreThatCannotBeOpenedIsNeitherDiscardedNorServedAndIsUsedOnceReadableAgain() throws Exception {
    disk = LoopDisk.create(64);
    ControllerConfig config = config();
    Workload workload = writeThenStop(config);

    Path store = liveStore(config.dataDir());
    LoopDisk.immutable(store, true);
    try {
      start(config);
      Await.until(WAIT, "the controller reports its store", () -> condition() == ReplicaCondition.STORAGE_FAILED);
      assertThat(server.status().getHealth().getReason()).contains("state store").contains(store.toString());
      assertNothingServed();
    } finally {
      LoopDisk.immutable(store, false);
    }
    Await.until(WAIT, "the controller serves", () -> condition() == ReplicaCondition.SERVING);
    checkExactlyOnce(List.of(workload));
  }

  /** Starts a controller, acknowledges 300 writes of two writers, and stops it. */
  private Workload writeThenStop(ControllerConfig config) throws Exception {
    start(config);
    Fixtures.awaitServing(server);
    assertThat(client.submit(createPool(POOL, "10.80.0.0/16", 32)).hasAccepted()).isTrue();
    Workload workload = new Workload(client, POOL, "w").start(2);
    workload.awaitMore(300, WAIT);
    workload.stop();
    stop();
    return workload;
  }

  /** Reads, watches and writes are all refused, at once, with the storage code: not an empty state. */
  private void assertNothingServed() throws Exception {
    assertRefusedAtOnce(() -> client.read(ReadConsistency.LINEARIZABLE));
    assertRefusedAtOnce(() -> client.read(ReadConsistency.STALE));
    assertRefusedAtOnce(() -> client.submit(allocate(POOL, "while-failed")));
    RecordingListener watcher = new RecordingListener();
    try (WatchSubscription ignored = client.watch(0, watcher)) {
      Thread.sleep(1_500);
      assertThat(watcher.snapshots()).as("no snapshot from a failed replica").isEmpty();
      assertThat(watcher.events()).isEmpty();
    }
  }

  private static void assertRefusedAtOnce(Runnable call) {
    long start = System.nanoTime();
    ControlPlaneException e = catchThrowableOfType(ControlPlaneException.class, call::run);
    assertThat(e).as("the call is refused").isNotNull();
    assertThat(e.code()).as("%s", e.getMessage()).isEqualTo("storage_unavailable");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(AT_ONCE);
  }

  /** The whole history, read by a watch from revision 1, against what the writers were told. */
  private void checkExactlyOnce(List<Workload> workloads) throws Exception {
    ClusterState state = client.read(ReadConsistency.LINEARIZABLE);
    RecordingListener history = new RecordingListener();
    try (WatchSubscription ignored = client.watch(1, history)) {
      Await.until(WAIT, "the whole history", () -> history.lastRevision() == state.getRevision());
    }
    List<Event> events = history.events();
    ExactlyOnce.check(events, workloads, state, POOL);
    long held = state.getIpamAllocationsList().stream().filter(a -> a.getPool().equals(POOL)).map(IpamAllocation::getOwner)
        .count();
    System.out.printf("storage fault acknowledged=%d failedCalls=%d held=%d revision=%d%n",
        workloads.stream().mapToInt(Workload::acknowledgedCount).sum(), workloads.stream().mapToInt(Workload::failedCalls).sum(),
        held, state.getRevision());
  }

  private ReplicaCondition condition() {
    return server.status().getHealth().getCondition();
  }

  /** The live RocksDB directory of a controller's data directory. */
  private static Path liveStore(Path dataDir) throws IOException {
    try (Stream<Path> s = Files.walk(dataDir)) {
      return s.filter(p -> p.getFileName().toString().equals("db") && Files.isDirectory(p)).findFirst().orElseThrow();
    }
  }
}
