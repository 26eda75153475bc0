package io.nodus.raft.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.state.proto.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The most recent events in memory, so that watchers following the head of the log are served
 * without reading RocksDB: with a hundred watchers every event would otherwise be read a hundred
 * times. Older revisions come from the store.
 *
 * <p>Events are kept as the bytes the apply thread encoded once for the store and the answers,
 * and parsed when a watcher first asks for them. A parsed event is a graph of dozens of objects
 * that would outlive a young collection or two (the ring spans seconds of writes under load) and
 * be copied by each; one byte array is cheap to keep, and without watchers nothing is parsed.
 *
 * <p>Threading: one writer (the apply thread) and any number of readers, without locks. The
 * writer fills a slot and then publishes the revision; a reader checks that each slot still holds
 * the revision it asked for, so an overwrite by a newer event makes it fall back to the store.
 * Readers that parse the same slot at once each parse it; either result is kept.
 */
final class RecentEvents {
  private static final class Slot {
    final long revision;
    final byte[] encoded;
    volatile Event parsed;

    Slot(long revision, byte[] encoded) {
      this.revision = revision;
      this.encoded = encoded;
    }

    Event event() {
      Event e = parsed;
      if (e == null) {
        try {
          e = Event.parseFrom(encoded);
        } catch (InvalidProtocolBufferException ex) {
          throw new IllegalStateException("recent event " + revision + " does not parse", ex);
        }
        parsed = e;
      }
      return e;
    }
  }

  private final AtomicReferenceArray<Slot> ring;
  private final int mask;
  private volatile long last;

  RecentEvents(int capacityPowerOfTwo) {
    if (Integer.bitCount(capacityPowerOfTwo) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two, got " + capacityPowerOfTwo);
    }
    this.ring = new AtomicReferenceArray<>(capacityPowerOfTwo);
    this.mask = capacityPowerOfTwo - 1;
  }

  /**
   * Appends events in revision order (apply thread only).
   *
   * @param events the events, for their revisions
   * @param encoded the same events, encoded
   */
  void append(List<Event> events, List<byte[]> encoded) {
    if (events.size() != encoded.size()) {
      throw new IllegalArgumentException(events.size() + " events but " + encoded.size() + " encoded");
    }
    for (int i = 0; i < events.size(); i++) {
      long revision = events.get(i).getRevision();
      ring.set((int) (revision & mask), new Slot(revision, encoded.get(i)));
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
      Slot s = ring.get((int) (r & mask));
      if (s == null || s.revision != r) {
        return null;
      }
      out.add(s.event());
    }
    return out;
  }
}
