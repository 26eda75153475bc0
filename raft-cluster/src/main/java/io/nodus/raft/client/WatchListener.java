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

  /**
   * A controller's stream continues the log this watch follows: it serves that cluster (or the
   * first one, which the watch follows from now on) at a revision no older than what was
   * delivered. Called once per stream, before anything of it is delivered, so a subscriber can
   * clear an alarm raised by {@link #onStale} or {@link #onUnavailable} even when the log has
   * nothing new to deliver.
   */
  default void onFollowing(FollowedStream stream) {}

  /**
   * A controller could not serve the watch, or its stream broke: it is unreachable, its storage
   * failed ({@link ControlPlaneException#code()} {@code storage_unavailable}), it is not ready
   * ({@code replica_not_ready}), or it ended the stream. The watch tries the next controller
   * after a pause. Not called for the streams the watch refused itself ({@link #onStale}) nor
   * once it was closed.
   */
  default void onUnavailable(String controller, ControlPlaneException cause) {}

  /** The watch ended for good (e.g. a malformed request); no more calls follow. */
  default void onError(ControlPlaneException error) {}

  /** The watch was closed by its subscriber; no more calls follow. */
  default void onClosed() {}
}
