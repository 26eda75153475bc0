package io.nodus.raft.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.nodus.raft.proto.ControllerGrpc;
import io.nodus.raft.proto.WatchHeader;
import io.nodus.raft.proto.WatchRequest;
import io.nodus.raft.proto.WatchResponse;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.RecordingListener;
import io.nodus.state.proto.Event;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A watch against a scripted controller: a stream whose header is behind what the watcher applied
 * (a restarted replica that had not applied everything when the stream opened) is followed once it
 * shows it reached that revision, even when it has nothing newer to send.
 */
class ResumingWatchTest {
  private static final String CLUSTER = "c0ffee00-0000-3000-8000-000000000001";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private Server server;
  private GrpcControlPlaneClient client;
  private final List<WatchRequest> requests = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  /** Starts a controller whose every watch stream sends {@code items} and then stays open. */
  private void controller(WatchResponse... items) throws Exception {
    String name = "resuming-watch-" + UUID.randomUUID();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(new ControllerGrpc.ControllerImplBase() {
      @Override
      public void watch(WatchRequest request, StreamObserver<WatchResponse> response) {
        requests.add(request);
        for (WatchResponse item : items) {
          response.onNext(item);
        }
      }
    }).build().start();
    client = GrpcControlPlaneClient.builder().inProcess(name).build();
  }

  private static WatchResponse header(long revision) {
    return WatchResponse.newBuilder().setHeader(WatchHeader.newBuilder().setClusterUuid(CLUSTER).setRevision(revision).setServedBy("c1"))
        .build();
  }

  private static WatchResponse progress(long revision) {
    return WatchResponse.newBuilder().setProgress(revision).build();
  }

  private static WatchResponse event(long revision) {
    return WatchResponse.newBuilder().setEvent(Event.newBuilder().setRevision(revision)).build();
  }

  @Test
  void aStreamThatCatchesUpToTheAppliedRevisionIsFollowedWithNothingNewerToSend() throws Exception {
    // Applied 8: the stream starts at 7 and says, by progress, that it covered 8.
    controller(header(7), progress(8));
    RecordingListener listener = new RecordingListener();
    try (WatchSubscription ignored = client.watch(new WatchStart(9, 8, CLUSTER), Set.of(), listener)) {
      Await.until(WAIT, "following", () -> !listener.following().isEmpty());
      assertThat(listener.following().getFirst().revision()).isEqualTo(8);
      assertThat(listener.events()).isEmpty();
      assertThat(requests.getFirst().getFromRevision()).isEqualTo(9);
    }
  }

  @Test
  void aStreamThatReplaysWhatWasAppliedIsFollowedAtTheAppliedRevision() throws Exception {
    controller(header(6), event(7), event(8));
    RecordingListener listener = new RecordingListener();
    try (WatchSubscription ignored = client.watch(new WatchStart(9, 8, CLUSTER), Set.of(), listener)) {
      Await.until(WAIT, "following", () -> !listener.following().isEmpty());
      assertThat(listener.following().getFirst().revision()).isEqualTo(8);
      // Revisions 7 and 8 were applied already: not delivered again.
      assertThat(listener.events()).isEmpty();
    }
  }

  @Test
  void aStreamStillBehindIsNotFollowed() throws Exception {
    controller(header(6), progress(7), event(7));
    RecordingListener listener = new RecordingListener();
    try (WatchSubscription ignored = client.watch(new WatchStart(9, 8, CLUSTER), Set.of(), listener)) {
      // The items arrive at once (in-process, direct executor); a following would be told at once too.
      Await.until(WAIT, "the stream's items", () -> !requests.isEmpty());
      Thread.sleep(300);
      assertThat(listener.following()).isEmpty();
      assertThat(listener.events()).isEmpty();
    }
  }

  @Test
  void anotherClustersStreamIsNotFollowedWhateverItCovers() throws Exception {
    controller(WatchResponse.newBuilder().setHeader(WatchHeader.newBuilder().setClusterUuid("another").setRevision(7)).build(),
        progress(8), progress(9));
    RecordingListener listener = new RecordingListener();
    try (WatchSubscription ignored = client.watch(new WatchStart(9, 8, CLUSTER), Set.of(), listener)) {
      Await.until(WAIT, "a refusal", () -> !listener.stale().isEmpty());
      Thread.sleep(300);
      assertThat(listener.following()).isEmpty();
    }
  }
}
