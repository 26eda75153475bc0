package io.nodus.raft.watch;

import io.nodus.state.ReplicaState;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.ResourceKind;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves watches. Each watcher gets its own (virtual) thread that reads the event history
 * sequentially and then sleeps until the applied revision advances; the apply thread only signals
 * ({@link #onApplied}), so a slow watcher can neither block apply nor make another watcher skip.
 * A watch may ask for some resource kinds only: it still reads every revision in order and skips
 * the others, so it never misses one of its own, and it tells the watcher how far it has read
 * (progress items) so that a resume does not scan the skipped revisions again.
 *
 * <p>Threading: {@link #onApplied} is called by the state machine's apply thread after it
 * published a new image; {@link #open} by gRPC threads; everything else happens on the watcher
 * threads.
 */
public final class WatchService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchService.class);

  /** The stored event history. */
  @FunctionalInterface
  public interface History {
    /**
     * Events with {@code from <= revision <= to}, at most {@code max}, in order. Returns fewer
     * than asked, or starts later than {@code from}, when the oldest ones were trimmed.
     */
    List<Event> events(long from, long to, int max);
  }

  /** Waits until the local replica has applied everything the leader had committed when it was called. */
  @FunctionalInterface
  public interface ReadBarrier {
    void await() throws Exception;
  }

  private final String memberId;
  private final Supplier<ReplicaState> current;
  private final History history;
  private final ReadBarrier barrier;
  private final int batchSize;
  private final ExecutorService executor =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("nodus-watch-", 0).factory());
  private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param memberId this controller's id, which stream headers name
   * @param current the latest applied state (its image's revision is the newest stored event)
   * @param history the stored events
   * @param barrier a linearizable sync, used to tell a lagging replica from a bad from_revision
   * @param batchSize events read from storage at a time per watcher
   */
  public WatchService(String memberId, Supplier<ReplicaState> current, History history, ReadBarrier barrier, int batchSize) {
    this.memberId = memberId;
    this.current = current;
    this.history = history;
    this.barrier = barrier;
    this.batchSize = batchSize;
  }

  /** Starts streaming everything to {@code stream} from {@code fromRevision} (0 = snapshot first). */
  public void open(long fromRevision, WatchStream stream) {
    open(fromRevision, Set.of(), stream);
  }

  /**
   * Starts streaming to {@code stream} from {@code fromRevision} (0 = snapshot first), only events
   * of {@code kinds} (empty: every event), with progress items on a filtered stream.
   */
  public void open(long fromRevision, Set<ResourceKind> kinds, WatchStream stream) {
    if (closed) {
      stream.fail(WatchError.UNAVAILABLE, "controller is shutting down");
      return;
    }
    Watcher w = new Watcher(fromRevision, kinds, stream, this);
    watchers.add(w);
    stream.onChange(w::wake);
    executor.execute(w);
  }

  /** Wakes every watcher: a new image was published. Cheap and non-blocking. */
  public void onApplied() {
    for (Watcher w : watchers) {
      w.wake();
    }
  }

  /**
   * Ends every open watch with UNAVAILABLE and {@code reason} (the replica behind them stopped);
   * clients resume at another controller, or here once it serves again. New watches are still
   * accepted: the caller refuses them while the replica does not serve.
   */
  public void endAll(String reason) {
    for (Watcher w : watchers) {
      w.end(reason);
    }
  }

  /** Number of open watches. */
  public int activeWatchers() {
    return watchers.size();
  }

  /** Ends every watch with UNAVAILABLE (clients resume elsewhere) and waits for the watcher threads. */
  @Override
  public void close() {
    closed = true;
    watchers.forEach(Watcher::wake);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("watchers did not stop in time count={}", watchers.size());
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      executor.shutdownNow();
    }
  }

  boolean isClosed() {
    return closed;
  }

  ClusterImage current() {
    return current.get().image();
  }

  String memberId() {
    return memberId;
  }

  /** The cluster's unique id as the replica knows it; empty before the cluster's first entry. */
  String clusterUuid() {
    return current.get().clusterUuid();
  }

  History history() {
    return history;
  }

  ReadBarrier barrier() {
    return barrier;
  }

  int batchSize() {
    return batchSize;
  }

  void remove(Watcher w) {
    watchers.remove(w);
  }
}
