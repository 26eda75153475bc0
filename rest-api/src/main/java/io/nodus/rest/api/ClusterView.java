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
 * @param replica whether the answering member's replica serves, and why not
 * @param configurationNotes how the answering member's --peers differs from the group's recorded
 *     configuration, which counts; empty when they agree
 * @param clusterUuid the cluster's unique id (an agent told to adopt a re-formed cluster needs it)
 */
public record ClusterView(List<Member> members, String leader, long revision, String stateHash, String servedBy,
    Replica replica, List<String> configurationNotes, String clusterUuid) {
  public ClusterView {
    members = List.copyOf(members);
    configurationNotes = List.copyOf(configurationNotes);
  }

  /** A view of a member whose replica serves (tests and in-memory control planes). */
  public ClusterView(List<Member> members, String leader, long revision, String stateHash, String servedBy) {
    this(members, leader, revision, stateHash, servedBy, Replica.SERVING, List.of(), "");
  }

  /**
   * The condition of the answering member's replica.
   *
   * @param condition serving, catching_up, starting, storage_failed or stopped
   * @param reason why it does not serve (names the directory and the error); empty while serving
   * @param sinceMillis when the condition began, milliseconds since the epoch
   * @param recoveries times the replica restarted after a storage fault since the process started
   */
  public record Replica(String condition, String reason, long sinceMillis, int recoveries) {
    public static final Replica SERVING = new Replica("serving", "", 0, 0);

    public boolean serving() {
      return "serving".equals(condition);
    }
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
