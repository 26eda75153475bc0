package io.nodus.agent;

import io.nodus.state.delta.ClusterDelta;
import io.nodus.state.image.ClusterImage;

/**
 * Receives, on the agent's reconciler thread and in log order, what each batch of the log changed
 * and the image it led to; a snapshot arrives as a delta from the empty image
 * ({@link ClusterDelta#snapshot()}), so a publisher has one path (Kafka KRaft's
 * {@code MetadataPublisher}). Must not block for long: the datapath waits behind it.
 */
@FunctionalInterface
interface ClusterPublisher {
  void publish(ClusterDelta delta, ClusterImage image);
}
