package io.nodus.raft.client;

import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.GetRequest;
import io.nodus.raft.proto.GetResponse;
import io.nodus.raft.proto.ListRequest;
import io.nodus.raft.proto.ListResponse;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.ResourceKind;
import java.util.Set;

/**
 * The control plane as every other module sees it. Implementations are thread-safe; calls block
 * until the control plane answers and throw {@link ControlPlaneException} when it cannot.
 */
public interface ControlPlaneClient extends AutoCloseable {
  /**
   * Orders a command and returns what it did: accepted (with its events and the revision after
   * it) or rejected (a user's mistake, with a stable code). A command without a request id gets
   * one, which retries keep.
   */
  CommandResult submit(Command command);

  /** The whole cluster state; its revision says what it reflects. */
  ClusterState read(ReadConsistency consistency);

  /** {@code read(stale ? STALE : LINEARIZABLE)}. */
  default ClusterState read(boolean stale) {
    return read(stale ? ReadConsistency.STALE : ReadConsistency.LINEARIZABLE);
  }

  /**
   * One resource by kind and key, read from the image without copying the state (linearizable
   * unless the request says stale). A missing resource or a bad kind or key is a rejection in the
   * answer; the answer names the revision it reflects either way.
   */
  GetResponse get(GetRequest request);

  /**
   * One page of a kind's resources in key order, with a label selector, a limit and a continue
   * token (Kubernetes' limit/continue); a bad selector, limit or token is a rejection in the
   * answer naming it. Each page reflects its own revision, never older than the previous page's.
   */
  ListResponse list(ListRequest request);

  /** How the answering controller sees the Raft group. */
  ClusterStatus status();

  /**
   * Streams the state's history from {@code fromRevision}: 0 for a snapshot of the current state
   * then every later event; otherwise every event from that revision on (after a snapshot when it
   * is older than the retained history). Survives controller restarts and failover without a gap
   * or a duplicate.
   */
  default WatchSubscription watch(long fromRevision, WatchListener listener) {
    return watch(WatchStart.from(fromRevision), Set.of(), listener);
  }

  /**
   * Like {@link #watch(long, WatchListener)}, but only events of {@code kinds} (an event belongs to
   * every kind it changes) and snapshots holding only those kinds; empty kinds mean everything.
   * Revisions then skip what was filtered out; the listener also hears progress
   * ({@link WatchListener#onProgress}), and a resume continues after the last revision covered,
   * still without a gap or a duplicate among the kinds asked for.
   */
  default WatchSubscription watch(long fromRevision, Set<ResourceKind> kinds, WatchListener listener) {
    return watch(WatchStart.from(fromRevision), kinds, listener);
  }

  /**
   * The watch of {@link #watch(long, Set, WatchListener)}, started as {@code start} says: it never
   * delivers a stream of another cluster than the one it follows, nor a state older than what the
   * subscriber holds; such streams are reported ({@link WatchListener#onStale}) and other
   * controllers tried.
   */
  WatchSubscription watch(WatchStart start, Set<ResourceKind> kinds, WatchListener listener);

  /**
   * Adds a controller to the Raft group (it must run with {@code --join}) and records its
   * addresses; returns once it caught up and counts as a voter, with the group's new status, or a
   * rejection naming the bad field.
   */
  MembershipResponse addMember(String id, String raftAddress, String grpcAddress);

  /** Removes a controller from the Raft group; it stops voting once the new configuration commits. */
  MembershipResponse removeMember(String id);

  @Override
  void close();
}
