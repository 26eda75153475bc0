package io.nodus.rest.api;

import java.util.List;

/**
 * GET /v1/cluster.
 *
 * @param members controllers of the Raft group
 * @param leader id of the current leader, empty when there is none
 * @param revision last applied revision
 * @param stateHash SHA-256 of the state at that revision
 * @param servedBy id of the member that answered
 */
public record ClusterView(List<Member> members, String leader, long revision, String stateHash, String servedBy) {
  public ClusterView {
    members = List.copyOf(members);
  }

  /**
   * One controller.
   *
   * @param id member id
   * @param address Raft address
   * @param role leader, follower, ...
   * @param grpcAddress its gRPC service, when known
   */
  public record Member(String id, String address, String role, String grpcAddress) {}
}
