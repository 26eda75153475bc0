package io.nodus.raft.client;

import java.util.Objects;

/**
 * A controller's watch stream that continues the log the watch follows.
 *
 * @param controller the controller's address
 * @param clusterUuid the cluster it serves (empty when it did not say)
 * @param revision the revision it had applied when the stream started
 */
public record FollowedStream(String controller, String clusterUuid, long revision) {
  public FollowedStream {
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(clusterUuid, "clusterUuid");
  }
}
