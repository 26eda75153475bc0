package io.nodus.rest.core;

import io.nodus.rest.api.ClusterView;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.read.ResourceAt;
import io.nodus.state.read.ResourcePage;

/**
 * The control plane as the REST API sees it. Implemented over the Raft cluster's client; all
 * methods may block and are safe to call from many request threads.
 */
public interface ControlPlane {

  /** Submits a command through the log and waits for its result. */
  CommandResult submit(Command command);

  /**
   * The whole replicated state: linearizable (ReadIndex) unless {@code stale} is set. For what no
   * keyed read or listing answers (IPAM pools with their allocations); everything else reads less.
   */
  ClusterState read(boolean stale);

  /**
   * One resource by kind and key ({@code io.nodus.state.read.ResourceReads} says the keys), read
   * from the replicated image without copying the state; linearizable unless {@code stale}.
   *
   * @throws RejectedException not_found, naming the field a client gave ({@code id} or {@code name})
   */
  ResourceAt get(ResourceKind kind, String key, boolean stale);

  /**
   * One page of a listing, in key order, with the revision it reflects and the token of the next.
   *
   * @throws io.nodus.state.model.InvalidFieldException a token, selector or limit the control plane refused
   */
  ResourcePage list(PageRequest request);

  /** Members, leader and revision of the cluster. */
  ClusterView cluster();

  /**
   * Adds a controller (started with {@code --join}) to the Raft group and returns the group once
   * the change committed; throws {@link RejectedException} for a bad id or address.
   */
  ClusterView addMember(String id, String raftAddress, String grpcAddress);

  /** Removes a controller from the Raft group; throws {@link RejectedException} for an unknown or last member. */
  ClusterView removeMember(String id);
}
