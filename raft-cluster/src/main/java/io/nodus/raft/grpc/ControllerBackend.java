package io.nodus.raft.grpc;

import com.google.protobuf.ByteString;
import io.nodus.raft.proto.AddMemberRequest;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.proto.RemoveMemberRequest;
import io.nodus.state.ReplicaState;
import io.nodus.state.proto.Command;
import java.util.concurrent.CompletableFuture;

/**
 * What the gRPC service needs from the controller it runs in. Implementations throw
 * {@link UnavailableException} when the Raft group or this controller's replica cannot answer now
 * (no leader, shutting down, a failed disk), which callers may retry elsewhere.
 */
public interface ControllerBackend {
  /** This controller's member id. */
  String memberId();

  /** Member id of the leader as this controller knows it; empty during an election. */
  String leaderId();

  /**
   * Orders {@code command} (its request id is set) through Raft; the future completes with its
   * result as the state machine encoded it (an encoded CommandResult), or fails with an {@link
   * UnavailableException} when the group cannot order it now.
   */
  CompletableFuture<ByteString> submitEncoded(Command command);

  /** Returns once the local replica has applied everything committed when the call started (ReadIndex). */
  void awaitLinearizable();

  /**
   * The local replica's state: after a ReadIndex barrier, or as it is when {@code stale} (only
   * from a replica that serves).
   */
  ReplicaState read(boolean stale);

  /**
   * Returns when the local replica serves reads and watches; throws {@link UnavailableException}
   * with the reason otherwise (its storage failed, it is still catching up).
   */
  void checkServing();

  /** How this controller sees the Raft group. */
  ClusterStatus status();

  /**
   * Adds a controller to the Raft group and records its addresses; returns once the new
   * configuration committed (the new member caught up), or a rejection for bad input.
   */
  MembershipResponse addMember(AddMemberRequest request);

  /** Removes a controller from the Raft group and forgets its addresses; a rejection for bad input. */
  MembershipResponse removeMember(RemoveMemberRequest request);
}
