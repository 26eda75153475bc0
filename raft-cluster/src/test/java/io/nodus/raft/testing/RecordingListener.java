package io.nodus.raft.testing;

import io.nodus.raft.client.ControlPlaneException;
import io.nodus.raft.client.FollowedStream;
import io.nodus.raft.client.StaleStream;
import io.nodus.raft.client.WatchListener;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Event;
import java.util.ArrayList;
import java.util.List;

/** Records what a watch delivered, for assertions from the test thread. */
public class RecordingListener implements WatchListener {
  private final List<ClusterState> snapshots = new ArrayList<>();
  private final List<Event> events = new ArrayList<>();
  private long progress = -1;
  private final List<StaleStream> stale = new ArrayList<>();
  private final List<FollowedStream> following = new ArrayList<>();
  private final List<ControlPlaneException> unavailable = new ArrayList<>();
  /** What was heard, in order: "following", "snapshot", "event", "stale", "unavailable". */
  private final List<String> calls = new ArrayList<>();
  private ControlPlaneException error;
  private boolean closed;

  @Override
  public synchronized void onSnapshot(ClusterState state) {
    calls.add("snapshot");
    snapshots.add(state);
  }

  @Override
  public synchronized void onEvent(Event event) {
    calls.add("event");
    events.add(event);
  }

  @Override
  public synchronized void onProgress(long revision) {
    progress = revision;
  }

  @Override
  public synchronized void onStale(StaleStream s) {
    calls.add("stale");
    stale.add(s);
  }

  @Override
  public synchronized void onFollowing(FollowedStream s) {
    calls.add("following");
    following.add(s);
  }

  @Override
  public synchronized void onUnavailable(String controller, ControlPlaneException cause) {
    calls.add("unavailable");
    unavailable.add(cause);
  }

  @Override
  public synchronized void onError(ControlPlaneException e) {
    error = e;
  }

  @Override
  public synchronized void onClosed() {
    closed = true;
  }

  public synchronized List<ClusterState> snapshots() {
    return List.copyOf(snapshots);
  }

  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  public synchronized List<Long> eventRevisions() {
    return events.stream().map(Event::getRevision).toList();
  }

  /** Streams the watch refused: another cluster's, or behind what was delivered. */
  public synchronized List<StaleStream> stale() {
    return List.copyOf(stale);
  }

  /** Streams announced as continuing the log. */
  public synchronized List<FollowedStream> following() {
    return List.copyOf(following);
  }

  /** Why controllers could not serve the watch. */
  public synchronized List<ControlPlaneException> unavailable() {
    return List.copyOf(unavailable);
  }

  /** Every call heard, in order, by name. */
  public synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  public synchronized ControlPlaneException error() {
    return error;
  }

  public synchronized boolean closed() {
    return closed;
  }

  /** The last revision covered: by a snapshot, an event or a progress item. */
  public synchronized long covered() {
    return Math.max(lastRevision(), progress);
  }

  /** Revision of the newest thing delivered. */
  public synchronized long lastRevision() {
    long snap = snapshots.isEmpty() ? -1 : snapshots.getLast().getRevision();
    long ev = events.isEmpty() ? -1 : events.getLast().getRevision();
    return Math.max(snap, ev);
  }
}
