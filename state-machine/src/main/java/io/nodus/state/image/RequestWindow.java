package io.nodus.state.image;

import io.nodus.state.collect.PersistentHashMap;
import io.nodus.state.collect.PersistentQueue;
import io.nodus.state.proto.RecordedRequest;
import java.util.List;
import java.util.Optional;

/**
 * The deduplication window: request id to the answer its command got, for the most recent
 * requests. A command whose request id is in the window is not applied again; its retry gets the
 * recorded answer.
 *
 * <p>Part of the replicated state (every replica builds the same window from the same log, and it
 * is stored and snapshotted with the resources), but not of the event-sourced image: rejected
 * commands are recorded too, and they produce no events. Eviction is first in, first out by log
 * index, when an entry is older than the window's leader time, or the window holds too many
 * entries or bytes; it depends only on the log, so replicas evict alike.
 *
 * @param byId recorded requests by request id (a hash map: looked up and changed by every command)
 * @param byIndex the same recorded requests in eviction order ({@link #orderOf}: log index, then
 *     position in the entry), which is the order they are recorded in: a queue
 * @param bytes serialized size of every recorded request together
 */
public record RequestWindow(
    PersistentHashMap<String, RecordedRequest> byId,
    PersistentQueue<RecordedRequest> byIndex,
    long bytes) {

  public static final RequestWindow EMPTY = new RequestWindow(PersistentHashMap.empty(), PersistentQueue.empty(), 0);

  /**
   * How large the window may grow.
   *
   * @param maxEntries most requests kept
   * @param windowMillis leader time a request is kept
   * @param maxBytes most serialized bytes kept
   */
  public record Limits(int maxEntries, long windowMillis, long maxBytes) {
    public Limits {
      if (maxEntries < 1 || windowMillis < 1 || maxBytes < 1) {
        throw new IllegalArgumentException("window limits must be positive");
      }
    }
  }

  /**
   * What one command changed in the window, for incremental storage.
   *
   * @param recorded the request recorded, or null
   * @param evicted ids of the requests evicted
   */
  public record Delta(RecordedRequest recorded, List<String> evicted) {
    public static final Delta NONE = new Delta(null, List.of());

    public Delta {
      evicted = List.copyOf(evicted);
    }
  }

  public Optional<RecordedRequest> get(String requestId) {
    return byId.get(requestId);
  }

  public int size() {
    return byId.size();
  }

  /** Recorded requests, oldest first. */
  public List<RecordedRequest> inOrder() {
    return byIndex.toList();
  }

  /**
   * Adds a request whose id the window does not hold, recorded after every request it holds (a
   * command whose id is held is answered from the window, never recorded again); nothing is
   * evicted here.
   *
   * @throws IllegalArgumentException when the id is held, or a request recorded at or after it is
   */
  public RequestWindow with(RecordedRequest request) {
    if (byId.containsKey(request.getRequestId())) {
      throw new IllegalArgumentException("request " + request.getRequestId() + " is already recorded");
    }
    RecordedRequest newest = byIndex.lastOrNull();
    if (newest != null && orderOf(newest) >= orderOf(request)) {
      throw new IllegalArgumentException("request " + request.getRequestId() + " at " + request.getLogIndex() + "/"
          + request.getPosition() + " is not newer than the window's newest, at " + newest.getLogIndex() + "/" + newest.getPosition());
    }
    return new RequestWindow(byId.put(request.getRequestId(), request), byIndex.append(request),
        bytes + request.getSerializedSize());
  }

  /**
   * Evicts from the oldest end while the oldest entry's leader time is a whole window before
   * {@code nowMillis}, or the window is over its entry or byte limit. Appends the evicted ids to
   * {@code evicted}.
   */
  public RequestWindow evict(long nowMillis, Limits limits, List<String> evicted) {
    RequestWindow w = this;
    while (!w.byIndex.isEmpty()) {
      RecordedRequest oldest = w.byIndex.firstOrNull();
      boolean expired = oldest.getLeaderTimeMillis() + limits.windowMillis() <= nowMillis;
      if (!expired && w.size() <= limits.maxEntries() && w.bytes <= limits.maxBytes()) {
        break;
      }
      evicted.add(oldest.getRequestId());
      w = new RequestWindow(w.byId.remove(oldest.getRequestId()), w.byIndex.removeFirst(), w.bytes - oldest.getSerializedSize());
    }
    return w;
  }

  /**
   * Where a request stands in the eviction order: its entry's log index, then its position in
   * that entry, which holds a batch of at most {@link #MAX_POSITIONS} commands.
   */
  static long orderOf(RecordedRequest r) {
    if (r.getPosition() >= MAX_POSITIONS) {
      throw new IllegalStateException("command position " + r.getPosition() + " in entry " + r.getLogIndex() + " is too large");
    }
    return r.getLogIndex() * MAX_POSITIONS + r.getPosition();
  }

  /** Most commands one log entry may carry. */
  public static final int MAX_POSITIONS = 1 << 16;
}
