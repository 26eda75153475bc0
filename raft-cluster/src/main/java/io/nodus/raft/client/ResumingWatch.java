package io.nodus.raft.client;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.nodus.raft.proto.WatchRequest;
import io.nodus.raft.proto.WatchResponse;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.ResourceKind;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch that survives disconnects: after a stream fails it reconnects (to the next controller,
 * after a growing pause) asking for the revision after the last one it covered, and drops
 * anything at or below it. So the listener sees each revision once, in order, across any number
 * of reconnects.
 *
 * <p>Resume rule: the cursor is the last revision covered + 1, where a snapshot covers its
 * revision, an event its own, and a progress item (filtered watches only) every revision up to
 * the one it names. An unfiltered stream must deliver exactly the cursor's revision next; a
 * filtered one any revision at or after it, because the revisions in between belong to other
 * kinds and the controller skipped them in order.
 *
 * <p>Fail static: every stream starts with a header naming the cluster it serves. A stream of
 * another cluster than the one this watch follows (given, or learned from its first stream), a
 * snapshot older than what was delivered or than the subscriber said it applied, and a controller
 * that answers OUT_OF_RANGE (it has not reached the revision this watch needs) are refused: the
 * listener hears {@link WatchListener#onStale} and nothing else, and the watch tries the next
 * controller after a growing pause. A subscriber so keeps what it has instead of following a
 * controller whose store was lost or wiped. It also hears {@link WatchListener#onUnavailable}
 * for a stream a controller could not serve, and {@link WatchListener#onFollowing} once per
 * stream that continues the log, so it can tell the end of such a fault from a quiet log.
 *
 * <p>Threading: gRPC delivers one stream's callbacks sequentially and a new stream starts only
 * after the previous one ended, so the listener is never called concurrently; the monitor guards
 * the cursor against {@link #close} from the subscriber's thread.
 */
final class ResumingWatch implements WatchSubscription {
  private static final Logger log = LoggerFactory.getLogger(ResumingWatch.class);
  private static final long MAX_PAUSE_MILLIS = 2_000;

  private final GrpcControlPlaneClient client;
  private final WatchListener listener;
  private final Set<ResourceKind> kinds;
  /** The next revision the listener needs; 0 while it still needs a snapshot. Guarded by this. */
  private long next;
  private long lastRevision = -1;
  /** No snapshot older than this is delivered: what the subscriber holds. */
  private long floor;
  /** The cluster this watch follows; empty until a stream names one. */
  private String clusterUuid;
  /** The revision the current stream's controller had applied when it started (its header). */
  private long offered = -1;
  /** The cluster the current stream's header named. */
  private String offeredCluster = "";
  /** The listener heard {@link WatchListener#onFollowing} for the current stream. */
  private boolean following;
  /** This watch refused the current stream (the listener heard onStale, not onUnavailable). */
  private boolean refused;
  private boolean closed;
  private int controller;
  private int failures;
  private ClientCallStreamObserver<WatchRequest> call;

  ResumingWatch(GrpcControlPlaneClient client, WatchStart start, Set<ResourceKind> kinds, WatchListener listener) {
    this.client = client;
    this.listener = listener;
    this.kinds = Set.copyOf(kinds);
    this.next = start.fromRevision();
    this.floor = Math.max(start.appliedRevision(), start.fromRevision() - 1);
    this.clusterUuid = start.clusterUuid();
    this.controller = client.preferred();
  }

  synchronized void start() {
    connect();
  }

  @Override
  public synchronized long lastRevision() {
    return lastRevision;
  }

  @Override
  public void close() {
    ClientCallStreamObserver<WatchRequest> c;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      c = call;
    }
    if (c != null) {
      c.cancel("watch closed by subscriber", null);
    }
    listener.onClosed();
  }

  /** Opens a stream from {@code next}. Called with the monitor held. */
  private void connect() {
    if (closed) {
      return;
    }
    WatchRequest request = WatchRequest.newBuilder().setFromRevision(next).addAllKinds(kinds).build();
    offered = -1;
    offeredCluster = "";
    following = false;
    refused = false;
    client.asyncStub(controller).watch(request, new ClientResponseObserver<WatchRequest, WatchResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WatchRequest> stream) {
        call = stream;
      }

      @Override
      public void onNext(WatchResponse item) {
        deliver(item, this);
      }

      @Override
      public void onError(Throwable t) {
        ended(t);
      }

      @Override
      public void onCompleted() {
        ended(Status.UNAVAILABLE.withDescription("controller ended the watch").asRuntimeException());
      }
    });
  }

  private synchronized void deliver(WatchResponse item, Object stream) {
    if (closed) {
      return;
    }
    long revision;
    try {
      switch (item.getItemCase()) {
        case HEADER -> {
          offered = item.getHeader().getRevision();
          offeredCluster = item.getHeader().getClusterUuid();
          if (checkCluster(offeredCluster, offered) && offered >= floor) {
            follow();
          }
          return;
        }
        case SNAPSHOT -> {
          revision = item.getSnapshot().getRevision();
          if (!checkCluster(item.getSnapshot().getClusterUuid(), revision)) {
            return;
          }
          if (revision < floor) {
            refuse(new StaleStream(client.address(controller), StaleStream.Kind.BEHIND, clusterUuid, revision, clusterUuid, floor));
            return;
          }
          follow();
          listener.onSnapshot(item.getSnapshot());
        }
        case EVENT -> {
          Event e = item.getEvent();
          revision = e.getRevision();
          if (next != 0 && revision < next) {
            // Already delivered before a reconnect; a controller that was behind has now caught up.
            followFrom(revision);
            return;
          }
          if (revision != next && (kinds.isEmpty() || next == 0)) {
            // A gap would corrupt the subscriber's state: drop this stream and resume from `next`.
            log.warn("watch stream skipped revisions expected={} got={}; resuming", next, revision);
            call.cancel("gap in watch stream", null);
            return;
          }
          follow();
          listener.onEvent(e);
        }
        case PROGRESS -> {
          revision = item.getProgress();
          if (next == 0 || revision < next) {
            // Nothing new is covered, but a stream whose header was behind has reached the log
            // this watch follows: with nothing newer to send, it says so only this way.
            followFrom(revision);
            return;
          }
          follow();
          listener.onProgress(revision);
        }
        default -> throw new IllegalStateException("watch response without an item from " + stream);
      }
    } catch (RuntimeException e) {
      // The subscriber's own failure: redelivering the same item would fail again. End the watch.
      log.warn("watch listener failed; closing the watch next={}", next, e);
      closed = true;
      call.cancel("watch listener failed", e);
      listener.onError(new ControlPlaneException(ControlPlaneException.Reason.INTERNAL, "watch listener failed: " + e, e));
      return;
    }
    // The cursor moves only once the listener has the item; a controller that delivered is healthy.
    failures = 0;
    next = revision + 1;
    lastRevision = revision;
    floor = Math.max(floor, revision);
  }

  /**
   * Follows once a stream whose header was behind ({@code offered < floor}) reaches {@code
   * revision >= floor} with items this watch had already: the controller caught up to the log
   * delivered, and may have nothing newer to send for a long time.
   */
  private void followFrom(long revision) {
    if (offered >= 0 && !refused && revision >= floor) {
      offered = Math.max(offered, revision);
      follow();
    }
  }

  /**
   * Tells the listener, once per stream, that it continues the log: at its header when the
   * controller is at or past what was delivered, else (a replica that caught up first) with the
   * first item it delivers.
   */
  private void follow() {
    if (!following) {
      following = true;
      listener.onFollowing(new FollowedStream(client.address(controller), offeredCluster.isEmpty() ? clusterUuid : offeredCluster,
          Math.max(offered, 0)));
    }
  }

  /**
   * Whether a stream naming {@code uuid} continues the log this watch follows; learns the cluster
   * from the first stream that names one, and refuses the stream otherwise.
   */
  private boolean checkCluster(String uuid, long revision) {
    if (uuid.isEmpty() || uuid.equals(clusterUuid)) {
      return true;
    }
    if (clusterUuid.isEmpty()) {
      clusterUuid = uuid;
      return true;
    }
    refuse(new StaleStream(client.address(controller), StaleStream.Kind.OTHER_CLUSTER, uuid, revision, clusterUuid, floor));
    return false;
  }

  /** Drops the current stream without delivering anything of it; {@link #ended} tries elsewhere. */
  private void refuse(StaleStream stale) {
    // The listener reports it (the agent raises a rate-limited alarm); a retry every 2 s must
    // not also fill the log.
    log.debug("watch refused a stream: {}", stale.describe());
    refused = true;
    listener.onStale(stale);
    call.cancel("stale stream: " + stale.kind(), null);
  }

  private synchronized void ended(Throwable t) {
    if (closed) {
      return;
    }
    Status.Code code = Status.fromThrowable(t).getCode();
    if (code == Status.Code.INVALID_ARGUMENT) {
      closed = true;
      listener.onError(GrpcControlPlaneClient.translate(t));
      return;
    }
    // A stream this watch refused was reported then; the controller's own answer may still
    // arrive first (e.g. OUT_OF_RANGE after a header of another cluster) and is not news.
    if (!refused) {
      reportEnd(code, t);
    }
    // Whatever ended it, the next controller is tried after a growing pause.
    failures++;
    controller = (controller + 1) % client.controllers();
    long pause = Math.min(MAX_PAUSE_MILLIS, 50L << Math.min(failures, 6));
    log.debug("watch disconnected code={} next={} retryInMs={}", code, next, pause);
    try {
      client.timer().schedule(this::reconnect, pause, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // The client is closing; so is this watch.
      closed = true;
    }
  }

  /** Tells the listener why a stream that this watch did not refuse ended. */
  private void reportEnd(Status.Code code, Throwable t) {
    if (code == Status.Code.OUT_OF_RANGE) {
      // The controller has not reached the revision this watch needs, even after catching up
      // with its leader: its store is behind (lost, wiped), or so is its whole cluster.
      StaleStream stale = new StaleStream(client.address(controller), StaleStream.Kind.BEHIND, offeredCluster, offered, clusterUuid,
          Math.max(floor, next - 1));
      log.debug("watch refused a stream: {} ({})", stale.describe(), Status.fromThrowable(t).getDescription());
      listener.onStale(stale);
    } else {
      listener.onUnavailable(client.address(controller), GrpcControlPlaneClient.translate(t));
    }
  }

  private synchronized void reconnect() {
    connect();
  }
}
