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
import java.util.function.Supplier;

/**
 * A client whose writes are bound to the cluster its owner follows: each command carries that
 * cluster's id ({@code expected_cluster_uuid}), so a controller of another cluster (wiped and
 * formed again at the same address) rejects it in its log instead of applying it, and an agent
 * that refuses a foreign cluster's watch cannot write into it either. Everything else delegates.
 * Thread-safe when the delegate and the supplier are.
 */
public final class ClusterBoundClient implements ControlPlaneClient {
  private final ControlPlaneClient delegate;
  private final Supplier<String> clusterUuid;

  /** @param clusterUuid the followed cluster's id; empty while none is known (commands then go unbound) */
  public ClusterBoundClient(ControlPlaneClient delegate, Supplier<String> clusterUuid) {
    this.delegate = delegate;
    this.clusterUuid = clusterUuid;
  }

  @Override
  public CommandResult submit(Command command) {
    String uuid = clusterUuid.get();
    return delegate.submit(uuid.isEmpty() ? command : command.toBuilder().setExpectedClusterUuid(uuid).build());
  }

  @Override
  public ClusterState read(ReadConsistency consistency) {
    return delegate.read(consistency);
  }

  @Override
  public GetResponse get(GetRequest request) {
    return delegate.get(request);
  }

  @Override
  public ListResponse list(ListRequest request) {
    return delegate.list(request);
  }

  @Override
  public ClusterStatus status() {
    return delegate.status();
  }

  @Override
  public WatchSubscription watch(WatchStart start, Set<ResourceKind> kinds, WatchListener listener) {
    return delegate.watch(start, kinds, listener);
  }

  @Override
  public MembershipResponse addMember(String id, String raftAddress, String grpcAddress) {
    return delegate.addMember(id, raftAddress, grpcAddress);
  }

  @Override
  public MembershipResponse removeMember(String id) {
    return delegate.removeMember(id);
  }

  /** Closes the delegate. */
  @Override
  public void close() {
    delegate.close();
  }
}
