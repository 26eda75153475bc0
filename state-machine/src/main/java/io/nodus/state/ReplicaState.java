package io.nodus.state;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.RequestWindow;

/**
 * Everything a controller replicates: the event-sourced image that watchers and readers see, and
 * the deduplication window of answered requests. Both are functions of the Raft log alone.
 *
 * @param image the cluster image
 * @param requests recently answered requests, for exactly-once retries
 */
public record ReplicaState(ClusterImage image, RequestWindow requests) {
  public static final ReplicaState EMPTY = new ReplicaState(ClusterImage.EMPTY, RequestWindow.EMPTY);

  public ReplicaState {
    java.util.Objects.requireNonNull(image, "image");
    java.util.Objects.requireNonNull(requests, "requests");
  }

  public ReplicaState withImage(ClusterImage i) {
    return new ReplicaState(i, requests);
  }
}
