package io.nodus.state.decide;

/**
 * What decide may know beyond the image and the command, identical on every replica because it
 * comes from the log entry.
 *
 * @param logIndex Raft log index of the entry being applied
 * @param leaderTimeMillis wall-clock time the leader stamped on the entry
 */
public record ApplyContext(long logIndex, long leaderTimeMillis) {}
