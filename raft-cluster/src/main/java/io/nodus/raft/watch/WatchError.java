package io.nodus.raft.watch;

/** Why a watch ended, independent of the transport's status codes. */
public enum WatchError {
  /** from_revision lies beyond the current revision + 1: the caller's mistake. */
  OUT_OF_RANGE,
  /** This controller cannot serve the watch now (shutting down, store closed, no leader to confirm); retry elsewhere. */
  UNAVAILABLE,
  /** A broken invariant; the message says which. */
  INTERNAL
}
