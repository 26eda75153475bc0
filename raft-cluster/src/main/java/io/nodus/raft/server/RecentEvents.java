package io.nodus.raft.server;

import io.nodus.state.proto.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The most recent events in memory, so that watchers following the head of the log are served
 * without reading RocksDB: with a hundred watchers every event would otherwise be read a hundred
 * times. Older revisions come from the store.
 *
 * <p>Threading: one writer (the apply thread) and any number of readers, without locks. The
 * writer fills a slot and then publishes the revision; a reader checks that each slot still holds
 * the revision it asked for, so an overwrite by a newer event makes it fall back to the store.
 */
final class RecentEvents {
  private final AtomicReferenceArray<Event> ring;
  private final int mask;
  private volatile long last;

  RecentEvents(int capacityPowerOfTwo) {
    if (Integer.bitCount(capacityPowerOfTwo) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two, got " + capacityPowerOfTwo);
    }
    this.ring = new AtomicReferenceArray<>(capacityPowerOfTwo);
    this.mask = capacityPowerOfTwo - 1;
  }

  /** Appends events in revision order (apply thread only). */
  void append(List<Event> events) {
    for (Event e : events) {
      ring.set((int) (e.getRevision() & mask), e);
    }
    if (!events.isEmpty()) {
      last = events.getLast().getRevision();
    }
  }

  /** Forgets everything, e.g. after a snapshot replaced the state (apply thread only). */
  void clear() {
    last = 0;
    for (int i = 0; i < ring.length(); i++) {
      ring.set(i, null);
    }
  }

  /**
   * Events {@code from..to} (at most {@code max}) if all of them are still in memory, else null:
   * the caller then reads the store.
   */
  List<Event> get(long from, long to, int max) {
    long end = Math.min(Math.min(to, last), from + max - 1);
    if (from > end || end - from + 1 > ring.length()) {
      return null;
    }
    List<Event> out = new ArrayList<>((int) (end - from + 1));
    for (long r = from; r <= end; r++) {
      Event e = ring.get((int) (r & mask));
      if (e == null || e.getRevision() != r) {
        return null;
      }
      out.add(e);
    }
    return out;
  }
}
