package io.nodus.raft.client;

import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Event;

/**
 * Receives one watch. Calls are sequential (never concurrent) and arrive in revision order: an
 * optional snapshot, then events whose revisions increase by exactly one (a kind-filtered watch:
 * increase, skipping the revisions of other kinds, with progress calls in between). A snapshot may also
 * arrive later, when the watch had to resume behind the controllers' retained history; it then
 * replaces everything received before it. Callbacks should return quickly: a slow listener slows
 * its own stream (flow control), nothing else.
 */
public interface WatchListener {
  /** The whole state at revision {@code state.getRevision()}; events that follow start right after it. */
  void onSnapshot(ClusterState state);

  /** The next event. */
  void onEvent(Event event);

  /**
   * A kind-filtered watch covered every revision up to {@code revision}: the events of the asked
   * kinds were delivered, the others skipped. Unfiltered watches never call it.
   */
  default void onProgress(long revision) {}

  /**
   * A controller offered a stream this watch must not follow (another cluster's log, or a state
   * older than what was delivered, or than the subscriber said it applied); nothing of it was
   * delivered. The watch keeps trying the controllers, after a growing pause, and delivers again
   * only from one that continues the log: the subscriber keeps what it has ("fails static").
   * Called on every refused attempt.
   */
  default void onStale(StaleStream stale) {}

  /** The watch ended for good (e.g. a malformed request); no more calls follow. */
  default void onError(ControlPlaneException error) {}

  /** The watch was closed by its subscriber; no more calls follow. */
  default void onClosed() {}
}
