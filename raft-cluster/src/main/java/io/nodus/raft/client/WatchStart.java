package io.nodus.raft.client;

import java.util.Objects;

/**
 * Where a watch starts, and what its subscriber already holds, so that no controller can take it
 * backwards: a subscriber that applied revision R of cluster U must never be handed a state of
 * another cluster, or one older than R (a controller whose store was lost or wiped, a lagging
 * replica). Such a stream is refused, reported ({@link WatchListener#onStale}) and tried elsewhere.
 *
 * @param fromRevision the first revision wanted; 0 asks for a snapshot first
 * @param appliedRevision the newest revision the subscriber applied (0: none); no snapshot older
 *     than it is delivered
 * @param clusterUuid the cluster whose log the subscriber follows; empty to learn it from the
 *     first stream
 */
public record WatchStart(long fromRevision, long appliedRevision, String clusterUuid) {
  public WatchStart {
    Objects.requireNonNull(clusterUuid, "clusterUuid");
    if (fromRevision < 0 || appliedRevision < 0) {
      throw new IllegalArgumentException("revisions must be >= 0, got from " + fromRevision + " applied " + appliedRevision);
    }
  }

  /** From {@code fromRevision}, of whatever cluster the first stream serves. */
  public static WatchStart from(long fromRevision) {
    return new WatchStart(fromRevision, 0, "");
  }
}
