package io.nodus.rest.core;

import io.nodus.rest.api.ClusterView;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;

/**
 * The control plane as the REST API sees it. Implemented over the Raft cluster's client; all
 * methods may block and are safe to call from many request threads.
 */
public interface ControlPlane {

  /** Submits a command through the log and waits for its result. */
  CommandResult submit(Command command);

  /** The replicated state: linearizable (ReadIndex) unless {@code stale} is set. */
  ClusterState read(boolean stale);

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
