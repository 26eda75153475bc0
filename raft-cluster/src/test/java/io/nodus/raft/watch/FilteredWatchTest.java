package io.nodus.raft.watch;

import static io.nodus.raft.testing.Fixtures.upsertPolicy;
import static io.nodus.raft.testing.Fixtures.upsertService;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.ControllerServer;
import io.nodus.raft.server.HostPort;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.Fixtures;
import io.nodus.raft.testing.RecordingListener;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.ResourceKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Watches filtered by resource kind: only their kinds, in order, with progress, and a resume that loses nothing. */
class FilteredWatchTest {
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

  /** Records progress items too. */
  static final class ProgressListener extends RecordingListener {
    private final List<Long> progress = new ArrayList<>();

    @Override
    public synchronized void onProgress(long revision) {
      super.onProgress(revision);
      progress.add(revision);
    }

    synchronized List<Long> progress() {
      return List.copyOf(progress);
    }
  }

  private long submit(io.nodus.state.proto.Command c) {
    var r = client.submit(c);
    assertThat(r.hasAccepted()).as("%s", r).isTrue();
    return r.getAccepted().getRevision();
  }

  @Test
  void aServiceWatcherSeesOnlyServiceEventsInOrderAndProgressUpToTheHead() throws Exception {
    server = ControllerServer.start(Fixtures.single(dataDir).build());
    client = server.client();
    submit(upsertPolicy("p0"));
    submit(upsertService("s0", "10.96.0.1"));
    ProgressListener listener = new ProgressListener();

    try (WatchSubscription ignored = client.watch(0, Set.of(ResourceKind.KIND_SERVICE), listener)) {
      Await.until(WAIT, "the filtered snapshot", () -> !listener.snapshots().isEmpty());
      submit(upsertPolicy("p1"));
      long s1 = submit(upsertService("s1", "10.96.0.2"));
      submit(upsertPolicy("p2"));
      long head = submit(upsertPolicy("p3"));
      Await.until(WAIT, "progress up to the head", () -> listener.covered() == head);

      assertThat(listener.snapshots()).singleElement().satisfies(s -> {
        assertThat(s.getRevision()).isEqualTo(2);
        assertThat(s.getServicesList()).extracting(x -> x.getName()).containsExactly("s0");
        assertThat(s.getPoliciesList()).isEmpty();
        assertThat(s.getIdentitiesList()).isEmpty();
      });
      assertThat(listener.eventRevisions()).containsExactly(s1);
      assertThat(listener.progress()).isSorted().last().isEqualTo(head);
    }
  }

  @Test
  void aFilteredWatchResumesAfterTheLastRevisionItCoveredWithoutASnapshotOrDuplicate() throws Exception {
    // Five events of history: a resume from before the skipped policies would need a snapshot.
    HostPort grpc = new HostPort("127.0.0.1", Fixtures.freePort());
    ControllerConfig config = Fixtures.single(dataDir).grpcBind(grpc).eventRetention(5).build();
    server = Fixtures.startServing(config);
    client = server.client();
    try (GrpcControlPlaneClient remote = GrpcControlPlaneClient.connect(List.of(grpc.toString()))) {
      ProgressListener listener = new ProgressListener();
      WatchSubscription watch = remote.watch(1, Set.of(ResourceKind.KIND_SERVICE), listener);
      long first = submit(upsertService("s1", "10.96.0.1"));
      long head = 0;
      for (int i = 0; i < 20; i++) {
        head = submit(upsertPolicy("p" + i));
      }
      long covered = head;
      Await.until(WAIT, "progress past the policies", () -> listener.covered() == covered);

      server.close();
      server = null;
      server = ControllerServer.start(config);
      client.close();
      client = server.client();
      submit(upsertPolicy("after-restart"));
      long second = submit(upsertService("s2", "10.96.0.2"));
      Await.until(WAIT, "the service created after the restart", () -> listener.lastRevision() == second);
      watch.close();

      assertThat(listener.snapshots()).isEmpty();
      assertThat(listener.events()).extracting(Event::getRevision).containsExactly(first, second);
      assertThat(listener.events()).allMatch(Event::hasServiceUpserted);
      assertThat(listener.error()).isNull();
    }
  }

  @Test
  void anEndpointEventReachesIdentityWatchersTooBecauseItMovesAReferenceCount() throws Exception {
    server = ControllerServer.start(Fixtures.single(dataDir).build());
    client = server.client();
    submit(Fixtures.registerNode("n1"));
    ProgressListener identities = new ProgressListener();

    try (WatchSubscription ignored = client.watch(1, Set.of(ResourceKind.KIND_IDENTITY), identities)) {
      long created = submit(Fixtures.createEndpoint("e1", "n1"));
      Await.until(WAIT, "the endpoint's events", () -> identities.lastRevision() == created);

      assertThat(identities.events()).extracting(Event::getBodyCase)
          .containsExactly(Event.BodyCase.IDENTITY_ALLOCATED, Event.BodyCase.ENDPOINT_CREATED);
    }
  }
}
