package io.nodus.agent;

import io.nodus.raft.client.FollowedStream;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Event;

/**
 * What other threads hand the agent's reconciler thread through its inbox; the loop switches on
 * it exhaustively.
 */
sealed interface LoopInput {
  /** The whole state at its revision (list-then-watch, a resume behind the retained history). */
  record Snapshot(ClusterState state) implements LoopInput {}

  /** The next event of the log. */
  record Change(Event event) implements LoopInput {}

  /** A stream that continues the log the maps follow started (it may name the cluster). */
  record Following(FollowedStream stream) implements LoopInput {}

  /** Asks for a pass even without events (a retry, a trace request). */
  record Wakeup() implements LoopInput {}

  /** Asks for a full recomputation (a pass failed half-way; which endpoints it reached is unsure). */
  record Reset() implements LoopInput {}

  LoopInput WAKEUP = new Wakeup();
  LoopInput RESET = new Reset();
}
