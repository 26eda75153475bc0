package io.nodus.raft.client;

/** How fresh a read must be. */
public enum ReadConsistency {
  /** Reflects every write acknowledged before the read started (Raft ReadIndex). */
  LINEARIZABLE,
  /** Whatever the answering controller has applied; cheaper, possibly behind. The state's revision says how far. */
  STALE
}
