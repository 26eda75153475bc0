package io.nodus.state;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.RequestWindow;
import java.util.Objects;

/**
 * Everything a controller replicates: the event-sourced image that watchers and readers see, the
 * deduplication window of answered requests, the cluster clock that bounds it, and the cluster's
 * unique id. All of them are functions of the Raft log alone.
 *
 * @param image the cluster image
 * @param requests recently answered requests, for exactly-once retries
 * @param clock the replicated cluster clock (see {@link ClusterClock})
 * @param clusterUuid the cluster's unique id, derived from its first log entry; empty before it
 */
public record ReplicaState(ClusterImage image, RequestWindow requests, ClusterClock clock, String clusterUuid) {
  public static final ReplicaState EMPTY = new ReplicaState(ClusterImage.EMPTY, RequestWindow.EMPTY);

  public ReplicaState {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(requests, "requests");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(clusterUuid, "clusterUuid");
  }

  /** A state before any entry: no clock reading, no cluster id. */
  public ReplicaState(ClusterImage image, RequestWindow requests) {
    this(image, requests, ClusterClock.UNSET, "");
  }

  public ReplicaState withImage(ClusterImage i) {
    return new ReplicaState(i, requests, clock, clusterUuid);
  }

  public ReplicaState withRequests(RequestWindow w) {
    return new ReplicaState(image, w, clock, clusterUuid);
  }
}
