package io.nodus.state.decide;

/**
 * What decide may know beyond the image and the command, identical on every replica because it
 * comes from the log entry.
 *
 * @param logIndex Raft log index of the entry being applied
 * @param timeMillis the cluster time of the entry (see {@link io.nodus.state.ClusterClock}): what
 *     time-bounded rules (identity quarantine, the deduplication window) measure, never one
 *     leader's wall clock
 */
public record ApplyContext(long logIndex, long timeMillis) {}
