package io.nodus.raft.watch;

import static io.nodus.raft.testing.Fixtures.registerNode;
import static io.nodus.raft.testing.Fixtures.upsertPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.client.StaleStream;
import io.nodus.raft.client.WatchStart;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.ControllerServer;
import io.nodus.raft.server.HostPort;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.Fixtures;
import io.nodus.raft.testing.RecordingListener;
import io.nodus.state.proto.ClusterState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Watch semantics on one controller: list-then-watch, history, range errors, resume across restarts. */
class WatchTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir
  Path dataDir;

  private ControllerServer server;
  private ControlPlaneClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(ControllerConfig config) throws Exception {
    server = ControllerServer.start(config);
    if (client == null) {
      client = server.client();
    }
  }

  private void submitPolicies(int from, int to) {
    for (int i = from; i <= to; i++) {
      assertThat(client.submit(upsertPolicy("p" + i)).hasAccepted()).isTrue();
    }
  }

  private static List<Long> range(long first, long last) {
    return LongStream.rangeClosed(first, last).boxed().toList();
  }

  @Test
  void fromZeroSendsASnapshotThenEveryLaterEvent() throws Exception {
    start(Fixtures.single(dataDir).build());
    submitPolicies(1, 3);
    RecordingListener listener = new RecordingListener();

    try (WatchSubscription ignored = client.watch(0, listener)) {
      Await.until(WAIT, "snapshot", () -> !listener.snapshots().isEmpty());
      submitPolicies(4, 5);
      Await.until(WAIT, "live events", () -> listener.lastRevision() == 5);
    }

    assertThat(listener.snapshots()).singleElement().satisfies(s -> {
      assertThat(s.getRevision()).isEqualTo(3);
      assertThat(s.getPoliciesCount()).isEqualTo(3);
    });
    assertThat(listener.eventRevisions()).isEqualTo(range(4, 5));
    assertThat(listener.closed()).isTrue();
  }

  @Test
  void fromOneReplaysTheWholeHistoryInOrder() throws Exception {
    start(Fixtures.single(dataDir).build());
    submitPolicies(1, 6);
    RecordingListener listener = new RecordingListener();

    try (WatchSubscription ignored = client.watch(1, listener)) {
      Await.until(WAIT, "six events", () -> listener.lastRevision() == 6);
    }

    assertThat(listener.snapshots()).isEmpty();
    assertThat(listener.eventRevisions()).isEqualTo(range(1, 6));
    assertThat(listener.events().get(0).getPolicyUpserted().getPolicy().getName()).isEqualTo("p1");
  }

  @Test
  void fromTheMiddleStartsAtThatRevision() throws Exception {
    start(Fixtures.single(dataDir).build());
    submitPolicies(1, 6);
    RecordingListener listener = new RecordingListener();

    try (WatchSubscription ignored = client.watch(4, listener)) {
      submitPolicies(7, 7);
      Await.until(WAIT, "events up to 7", () -> listener.lastRevision() == 7);
    }

    assertThat(listener.eventRevisions()).isEqualTo(range(4, 7));
  }

  @Test
  void beyondTheCurrentRevisionIsRefusedAsStaleUntilTheLogGetsThere() throws Exception {
    start(Fixtures.single(dataDir).build());
    submitPolicies(1, 2);
    RecordingListener listener = new RecordingListener();

    try (WatchSubscription ignored = client.watch(4, listener)) {
      // The controller answers OUT_OF_RANGE: it is behind what this watcher needs. The watch
      // fails static: it reports it, delivers nothing and keeps asking.
      Await.until(WAIT, "a stale report", () -> listener.stale().size() >= 2);
      assertThat(listener.stale().getFirst().kind()).isEqualTo(StaleStream.Kind.BEHIND);
      assertThat(listener.stale().getFirst().appliedRevision()).isEqualTo(3);
      assertThat(listener.events()).isEmpty();
      assertThat(listener.error()).isNull();

      submitPolicies(3, 5);
      Await.until(WAIT, "events from 4", () -> listener.lastRevision() == 5);
    }
    assertThat(listener.eventRevisions()).isEqualTo(range(4, 5));
  }

  @Test
  void aSnapshotOlderThanWhatTheSubscriberAppliedIsNeverDelivered() throws Exception {
    start(Fixtures.single(dataDir).build());
    submitPolicies(1, 3);
    RecordingListener listener = new RecordingListener();

    try (WatchSubscription ignored = client.watch(new WatchStart(0, 5, ""), java.util.Set.of(), listener)) {
      Await.until(WAIT, "a stale report", () -> !listener.stale().isEmpty());
      assertThat(listener.snapshots()).isEmpty();
      submitPolicies(4, 5);
      Await.until(WAIT, "a snapshot at 5", () -> listener.lastRevision() == 5);
    }
    assertThat(listener.snapshots()).extracting(ClusterState::getRevision).containsExactly(5L);
  }

  @Test
  void anotherClustersLogIsNeverDelivered() throws Exception {
    start(Fixtures.single(dataDir).build());
    submitPolicies(1, 2);
    RecordingListener listener = new RecordingListener();

    try (WatchSubscription ignored = client.watch(new WatchStart(1, 0, "not-this-cluster"), java.util.Set.of(), listener)) {
      Await.until(WAIT, "a stale report", () -> !listener.stale().isEmpty());
      StaleStream stale = listener.stale().getFirst();
      assertThat(stale.kind()).isEqualTo(StaleStream.Kind.OTHER_CLUSTER);
      assertThat(stale.clusterUuid()).isEqualTo(client.status().getClusterUuid()).isNotEmpty();
      assertThat(listener.events()).isEmpty();
      // Refused by the watch itself: neither followed nor reported as the controller's failure.
      assertThat(listener.following()).isEmpty();
      assertThat(listener.unavailable()).isEmpty();
    }
  }

  @Test
  void anotherClusterBehindTheRevisionAskedForIsReportedOnceAsAnotherCluster() throws Exception {
    start(Fixtures.single(dataDir).build());
    submitPolicies(1, 2);
    RecordingListener listener = new RecordingListener();

    // The header is refused, and the controller also answers OUT_OF_RANGE (it is not at 10): one report per attempt.
    try (WatchSubscription ignored = client.watch(new WatchStart(10, 9, "not-this-cluster"), java.util.Set.of(), listener)) {
      Await.until(WAIT, "three stale reports", () -> listener.stale().size() >= 3);
    }
    assertThat(listener.stale()).extracting(StaleStream::kind).containsOnly(StaleStream.Kind.OTHER_CLUSTER);
    assertThat(listener.unavailable()).isEmpty();
  }

  @Test
  void aStreamIsAnnouncedAsFollowingBeforeItDelivers() throws Exception {
    start(Fixtures.single(dataDir).build());
    submitPolicies(1, 2);
    RecordingListener listener = new RecordingListener();

    try (WatchSubscription ignored = client.watch(new WatchStart(0, 2, ""), java.util.Set.of(), listener)) {
      Await.until(WAIT, "a snapshot", () -> !listener.snapshots().isEmpty());
    }
    // A controller still starting may refuse first (unavailable); the stream that serves says so first.
    List<String> calls = listener.calls();
    assertThat(calls).contains("snapshot");
    assertThat(calls.get(calls.indexOf("snapshot") - 1)).isEqualTo("following");
    assertThat(listener.following().getLast().clusterUuid()).isEqualTo(client.status().getClusterUuid());
    assertThat(listener.following().getLast().revision()).isEqualTo(2);
  }

  @Test
  void anUnreachableControllerIsReportedAndTheNextStreamThatContinuesTheLogClearsIt() throws Exception {
    HostPort grpc = new HostPort("127.0.0.1", Fixtures.freePort());
    ControllerConfig config = Fixtures.single(dataDir).grpcBind(grpc).build();
    start(config);
    submitPolicies(1, 3);
    RecordingListener recorded = new RecordingListener();
    try (GrpcControlPlaneClient remote = GrpcControlPlaneClient.connect(List.of(grpc.toString()));
         WatchSubscription ignored = remote.watch(1, recorded)) {
      Await.until(WAIT, "three events", () -> recorded.lastRevision() == 3);

      server.close();
      server = null;
      Await.until(WAIT, "an unavailable report", () -> !recorded.unavailable().isEmpty());
      assertThat(recorded.unavailable().getFirst().code()).isEqualTo("unavailable");
      int followed = recorded.following().size();

      // Back with nothing new to deliver: the resumed stream still says it continues the log.
      start(config);
      Await.until(WAIT, "following again", () -> recorded.following().size() > followed);
      assertThat(recorded.following().getLast().revision()).isEqualTo(3);
      assertThat(recorded.eventRevisions()).isEqualTo(range(1, 3));
      assertThat(recorded.stale()).isEmpty();
    }
  }


  @Test
  void everyStreamNamesItsClusterAndSnapshotsCarryIt() throws Exception {
    start(Fixtures.single(dataDir).build());
    submitPolicies(1, 2);
    RecordingListener listener = new RecordingListener();

    try (WatchSubscription ignored = client.watch(0, listener)) {
      Await.until(WAIT, "a snapshot", () -> !listener.snapshots().isEmpty());
    }
    String uuid = client.status().getClusterUuid();
    assertThat(uuid).matches("[0-9a-f-]{36}");
    assertThat(listener.snapshots().getFirst().getClusterUuid()).isEqualTo(uuid);
    assertThat(client.read(false).getClusterUuid()).isEqualTo(uuid);
  }

  @Test
  void behindTheRetainedHistoryStartsWithASnapshot() throws Exception {
    start(Fixtures.single(dataDir).eventRetention(5).build());
    submitPolicies(1, 20);
    RecordingListener listener = new RecordingListener();

    try (WatchSubscription ignored = client.watch(1, listener)) {
      // The watch starts on its own thread: write 21 only once it has sent its snapshot, or the
      // snapshot may already hold 21 (correct, but not what this test is about).
      Await.until(WAIT, "the snapshot", () -> !listener.snapshots().isEmpty());
      submitPolicies(21, 21);
      Await.until(WAIT, "event 21", () -> listener.lastRevision() == 21);
    }

    assertThat(listener.snapshots()).singleElement().satisfies(s -> assertThat(s.getRevision()).isEqualTo(20));
    assertThat(listener.eventRevisions()).isEqualTo(range(21, 21));
  }

  @Test
  void resumesAfterTheControllerRestartsWithoutGapOrDuplicate() throws Exception {
    HostPort grpc = new HostPort("127.0.0.1", Fixtures.freePort());
    ControllerConfig config = Fixtures.single(dataDir).grpcBind(grpc).build();
    start(config);
    try (GrpcControlPlaneClient remote = GrpcControlPlaneClient.connect(List.of(grpc.toString()))) {
      RecordingListener listener = new RecordingListener();
      WatchSubscription watch = remote.watch(1, listener);
      submitPolicies(1, 5);
      Await.until(WAIT, "first five events", () -> listener.lastRevision() == 5);

      server.close();
      server = null;
      start(config);
      for (int i = 6; i <= 10; i++) {
        assertThat(remote.submit(upsertPolicy("p" + i)).hasAccepted()).isTrue();
      }
      Await.until(WAIT, "events after the restart", () -> listener.lastRevision() == 10);
      watch.close();

      assertThat(listener.snapshots()).isEmpty();
      assertThat(listener.eventRevisions()).isEqualTo(range(1, 10));
      assertThat(listener.error()).isNull();
    }
  }

  @Test
  void aSlowWatcherDoesNotHoldBackWrites() throws Exception {
    start(Fixtures.single(dataDir).build());
    Object gate = new Object();
    RecordingListener slow = new RecordingListener() {
      @Override
      public void onEvent(io.nodus.state.proto.Event event) {
        synchronized (gate) {
          super.onEvent(event);
        }
      }
    };
    WatchSubscription watch;
    synchronized (gate) {
      watch = client.watch(1, slow);
      submitPolicies(1, 30);
      client.submit(registerNode("n1"));
      assertThat(client.read(false).getRevision()).isEqualTo(31);
    }
    Await.until(WAIT, "the slow watcher catches up", () -> slow.lastRevision() == 31);
    watch.close();

    assertThat(slow.eventRevisions()).isEqualTo(range(1, 31));
  }
}
