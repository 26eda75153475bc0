package io.nodus.state;

/**
 * The replicated clock that every time-bounded rule of the state machine reads: how long an
 * answered request stays in the deduplication window, how long a released identity number stays
 * in quarantine, and the time events carry. It is advanced once per log entry, by {@link
 * #advance}, from what the entry's leader stamped, and no single leader's wall clock can move it
 * by more than a bounded amount.
 *
 * <p>Why: the leader used to stamp its wall clock, and that time bounded the window. A leader
 * whose clock ran an hour ahead expired every answered request the moment it stamped one entry,
 * and a retry that a correct leader had deduplicated was applied again once leadership moved back
 * (seen under faketime: two IPAM blocks for one request). So the cluster time advances by the
 * time a leader <em>measured</em> with its monotonic clock between two of its own entries, which
 * a stepped wall clock (NTP, an operator, a VM resume) never moves. A leader's wall clock may
 * pull the cluster time forward only by a tenth of that measured time ({@link #CATCH_UP_DIVISOR}),
 * so that the cluster time converges on correct wall clocks without ever racing: whatever the
 * leaders' wall clocks say, the cluster time gains at most 1.1 times the real time that passed,
 * and a request stays deduplicated for at least the window divided by 1.1.
 *
 * <p>Monotonic readings of two leaders cannot be compared: when the term changes, the new
 * leader's first entry only anchors its monotonic clock, and the time between the old leader's
 * last entry and the new leader's first one is not counted. Cluster time so falls behind real
 * time across idle leader changes, which only keeps requests and quarantined numbers longer, and
 * the catch-up closes the gap while the leader works. The first entry of a cluster anchors the
 * cluster time at that leader's wall clock. Never goes backwards.
 *
 * <p>Entries without a monotonic stamp (tests that fold commands alone, logs of older builds)
 * advance it to the stamped wall time, never backwards. Pure and deterministic: every replica
 * computes the same clock from the same log.
 *
 * @param term Raft term of the last entry that advanced it; 0 before the first
 * @param monotonicMillis the newest monotonic reading of that term's leader (meaningful only
 *     against other readings of the same term)
 * @param nowMillis the cluster time, milliseconds since the epoch as the cluster counts them
 */
public record ClusterClock(long term, long monotonicMillis, long nowMillis) {
  /** The clock of a cluster that has applied no entry. */
  public static final ClusterClock UNSET = new ClusterClock(0, 0, 0);

  /** The cluster time gains at most 1/this of a leader's measured time towards its wall clock. */
  static final long CATCH_UP_DIVISOR = 10;

  /**
   * The clock after an entry of {@code term} that its leader stamped with {@code wallMillis} and,
   * when {@code hasMonotonic}, {@code monotonicMillis}.
   */
  public ClusterClock advance(long term, long wallMillis, long monotonicMillis, boolean hasMonotonic) {
    if (!hasMonotonic) {
      // Term 0: the next stamped entry anchors its leader's monotonic clock afresh.
      return new ClusterClock(0, 0, Math.max(nowMillis, wallMillis));
    }
    if (this.equals(UNSET)) {
      return new ClusterClock(term, monotonicMillis, wallMillis);
    }
    if (term != this.term) {
      return new ClusterClock(term, monotonicMillis, nowMillis);
    }
    // Entries are stamped before they are appended, by several threads: a reading may be older
    // than the previous entry's.
    long elapsed = Math.max(0, monotonicMillis - this.monotonicMillis);
    long ahead = wallMillis - (nowMillis + elapsed);
    long catchUp = Math.max(0, Math.min(ahead, elapsed / CATCH_UP_DIVISOR));
    return new ClusterClock(term, Math.max(this.monotonicMillis, monotonicMillis), nowMillis + elapsed + catchUp);
  }
}
