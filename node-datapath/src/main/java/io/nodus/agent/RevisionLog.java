package io.nodus.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * When the maps came to reflect each revision: the reconciler records the end of every pass
 * with the revision it applied; callers (the agent API's {@code /v1/sync}, benchmarks measuring
 * propagation) wait for a revision and get the time its map writes were done.
 *
 * <p>Threading: thread-safe; waiting callers block on this object's monitor.
 */
final class RevisionLog {
  private static final int KEEP = 10_000;

  private final TreeMap<Long, Instant> written = new TreeMap<>();
  private long last;

  /** The reconciler finished writing the maps of {@code revision} at {@code at}. */
  synchronized void written(long revision, Instant at) {
    if (revision <= last) {
      return;
    }
    last = revision;
    written.put(revision, at);
    while (written.size() > KEEP) {
      written.pollFirstEntry();
    }
    notifyAll();
  }

  synchronized long last() {
    return last;
  }

  /**
   * Waits until the maps reflect {@code revision}; returns when that pass ended, or empty on
   * timeout. A revision older than the kept history answers with the oldest time kept.
   */
  synchronized Optional<Instant> await(long revision, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (last < revision) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return Optional.empty();
      }
      wait(Math.max(1, left / 1_000_000));
    }
    Map.Entry<Long, Instant> e = written.ceilingEntry(revision);
    return Optional.ofNullable(e != null ? e.getValue() : written.firstEntry().getValue());
  }
}
