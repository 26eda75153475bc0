package io.nodus.state.evolve;

import io.nodus.state.delta.ClusterDelta;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Event;

/**
 * Folds one event into an image: {@code evolve(image, event)} returns the image after it. What
 * an event means is said once, in {@link ClusterDelta#replay}; this is the one-event fold of it,
 * for callers that do not need to know what changed (and the oracle that a delta over many
 * events must agree with).
 *
 * <p>Pure and total for every event {@code decide} can produce; an event that contradicts the
 * image fails with {@link IllegalStateException} (see {@link ClusterDelta}).
 */
public final class Evolver {
  private Evolver() {}

  public static ClusterImage evolve(ClusterImage image, Event event) {
    ClusterDelta delta = ClusterDelta.on(image);
    delta.replay(event);
    return delta.apply();
  }
}
