package io.nodus.raft.watch;

import io.nodus.raft.proto.WatchHeader;
import io.nodus.raft.proto.WatchResponse;
import io.nodus.raft.storage.StorageException;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.codec.ResourceKinds;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.ResourceKind;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch: sends a snapshot when asked for (or when the history it needs was trimmed), then
 * every event in revision order, or only those of the asked kinds. {@code next} is the only cursor
 * and only this task moves it, so nothing is sent twice or skipped.
 *
 * <p>A filtered watch reads the same contiguous history and skips what it was not asked for;
 * whenever it has skipped revisions past the last item it sent and catches up (or has skipped
 * {@value #PROGRESS_EVERY} in a row), it sends a progress item naming the last revision covered.
 * A watcher resumes from the last revision covered + 1, whether an event or a progress item
 * covered it.
 *
 * <p>Threading: {@link #run} on its own thread; {@link #wake} from any thread.
 */
final class Watcher implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Watcher.class);
  /** Upper bound on any wait, so a lost signal costs at most this much latency. */
  private static final long WAIT_MILLIS = 500;
  /** Skipped revisions after which a filtered watch reports progress even before catching up. */
  private static final long PROGRESS_EVERY = 4096;

  private final long fromRevision;
  private final Set<ResourceKind> kinds;
  private final WatchStream stream;
  private final WatchService service;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition signal = lock.newCondition();
  private boolean signalled;
  /** Revision the watcher knows it has covered (last item sent), for progress items. */
  private long covered;
  /** Why the service ended this watch (its replica stopped); null while it runs. */
  private volatile String ended;

  Watcher(long fromRevision, Set<ResourceKind> kinds, WatchStream stream, WatchService service) {
    this.fromRevision = fromRevision;
    this.kinds = Set.copyOf(kinds);
    this.stream = stream;
    this.service = service;
    this.covered = Math.max(0, fromRevision - 1);
  }

  /** Ends this watch with UNAVAILABLE and {@code reason}, from any thread. */
  void end(String reason) {
    ended = reason;
    wake();
  }

  void wake() {
    lock.lock();
    try {
      signalled = true;
      signal.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void run() {
    try {
      long next = begin();
      while (next > 0 && live()) {
        next = pump(next);
      }
      if (ended != null) {
        fail(WatchError.UNAVAILABLE, "replica stopped: " + ended);
      } else if (service.isClosed() && !stream.isCancelled()) {
        stream.fail(WatchError.UNAVAILABLE, "controller is shutting down");
      }
    } catch (StorageException e) {
      fail(WatchError.UNAVAILABLE, "replica store unavailable: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail(WatchError.UNAVAILABLE, "controller is shutting down");
    } catch (RuntimeException e) {
      if (stream.isCancelled()) {
        log.debug("watch cancelled while sending from_revision={}", fromRevision);
      } else {
        log.warn("watch failed from_revision={}", fromRevision, e);
        fail(WatchError.INTERNAL, "watch failed: " + e);
      }
    } finally {
      service.remove(this);
    }
  }

  /**
   * The first revision to send, after the header and the snapshot if one was due; 0 when the
   * watch was refused.
   */
  private long begin() throws InterruptedException {
    ClusterImage image = service.current();
    if (!awaitReady()) {
      return 0;
    }
    stream.send(WatchResponse.newBuilder().setHeader(WatchHeader.newBuilder()
        .setClusterUuid(service.clusterUuid()).setRevision(image.revision()).setServedBy(service.memberId())).build());
    if (fromRevision == 0) {
      return sendSnapshot(image) ? image.revision() + 1 : 0;
    }
    if (fromRevision > image.revision() + 1) {
      // This replica may just be behind the one the client saw: catch up to the leader's commit first.
      try {
        service.barrier().await();
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        fail(WatchError.UNAVAILABLE, "cannot confirm the current revision: " + e.getMessage());
        return 0;
      }
      image = service.current();
      if (fromRevision > image.revision() + 1) {
        fail(WatchError.OUT_OF_RANGE,
            "from_revision " + fromRevision + " is beyond the current revision " + image.revision() + " + 1");
        return 0;
      }
    }
    return fromRevision;
  }

  /** Sends what is stored from {@code next} on, or waits for more; returns the new cursor (0 to stop). */
  private long pump(long next) throws InterruptedException {
    ClusterImage image = service.current();
    if (next > image.revision()) {
      if (covered < next - 1 && !sendProgress(next - 1)) {
        return 0;
      }
      await();
      return next;
    }
    List<Event> batch = service.history().events(next, image.revision(), service.batchSize());
    if (batch.isEmpty() || batch.getFirst().getRevision() != next) {
      // The events we need were trimmed (or replaced by an installed snapshot): list, then watch.
      log.debug("watch behind retained history next={} revision={}", next, image.revision());
      return sendSnapshot(image) ? image.revision() + 1 : 0;
    }
    for (Event e : batch) {
      if (e.getRevision() != next) {
        throw new IllegalStateException("event history has a gap: expected revision " + next + ", found " + e.getRevision());
      }
      if (ResourceKinds.matches(e, kinds)) {
        if (!awaitReady()) {
          return 0;
        }
        stream.send(WatchResponse.newBuilder().setEvent(e).build());
        covered = next;
      } else if (next - covered >= PROGRESS_EVERY && !sendProgress(next)) {
        return 0;
      }
      next++;
    }
    return next;
  }

  private boolean sendSnapshot(ClusterImage image) throws InterruptedException {
    if (!awaitReady()) {
      return false;
    }
    stream.send(WatchResponse.newBuilder().setSnapshot(ResourceKinds.filter(ImageCodec.toState(image), kinds).toBuilder()
        .setClusterUuid(service.clusterUuid())).build());
    covered = image.revision();
    return true;
  }

  /** Tells the watcher every revision up to {@code revision} was covered. */
  private boolean sendProgress(long revision) throws InterruptedException {
    if (!awaitReady()) {
      return false;
    }
    stream.send(WatchResponse.newBuilder().setProgress(revision).build());
    covered = revision;
    return true;
  }

  /** Waits until the transport has room (gRPC flow control); false when the watch should end. */
  private boolean awaitReady() throws InterruptedException {
    while (live()) {
      if (stream.isReady()) {
        return true;
      }
      await();
    }
    return false;
  }

  private boolean live() {
    return ended == null && !service.isClosed() && !stream.isCancelled();
  }

  private void await() throws InterruptedException {
    lock.lock();
    try {
      if (!signalled) {
        signal.await(WAIT_MILLIS, TimeUnit.MILLISECONDS);
      }
      signalled = false;
    } finally {
      lock.unlock();
    }
  }

  private void fail(WatchError error, String message) {
    if (stream.isCancelled()) {
      return;
    }
    try {
      stream.fail(error, message);
    } catch (RuntimeException e) {
      log.debug("could not end watch stream error={}", error, e);
    }
  }
}
