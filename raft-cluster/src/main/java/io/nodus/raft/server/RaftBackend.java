package io.nodus.raft.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.raft.grpc.UnavailableException;
import io.nodus.raft.proto.AddMemberRequest;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.Member;
import io.nodus.raft.proto.MemberRole;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.proto.RemoveMemberRequest;
import io.nodus.state.ReplicaState;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.EncodedResults;
import io.nodus.state.proto.ControllerMember;
import io.nodus.state.proto.LoggedCommand;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * One replica's access to Raft: writes and linearizable reads go through a Ratis client inside the
 * controller (which finds the leader and rides out elections), status comes from the local
 * replica, membership changes go through {@link MembershipChanges}. The {@link ReplicaSupervisor}
 * serves the gRPC service through it. Thread-safe: the Ratis client is shared by all gRPC threads.
 */
final class RaftBackend {
  /** A follower the leader has not heard from for this long is not reported as a follower. */
  private static final long FOLLOWER_SILENCE_MILLIS = 5_000;

  private final ControllerConfig config;
  private final RaftServer.Division division;
  private final RaftClient client;
  private final NodusStateMachine stateMachine;
  private final RaftPeerId self;
  private final Supplier<String> grpcAddress;
  private final SubmitBatcher batcher;
  /** Identity of this controller's direct submissions to its own Raft server when it leads. */
  private final ClientId localClient = ClientId.randomId();
  private final AtomicLong localCalls = new AtomicLong();
  private final MembershipChanges membership;
  private volatile HashedState hashed = new HashedState(null, "", "");

  /** The hashes of one replica state, computed once per state. */
  private record HashedState(ReplicaState state, String imageHash, String windowHash) {}

  RaftBackend(ControllerConfig config, RaftServer.Division division, RaftClient client, RaftClient admin,
      NodusStateMachine stateMachine, Supplier<String> grpcAddress) {
    this.config = config;
    this.division = division;
    this.client = client;
    this.stateMachine = stateMachine;
    this.self = RaftPeerId.valueOf(config.memberId());
    this.grpcAddress = grpcAddress;
    this.batcher = new SubmitBatcher(config.memberId(), this::sendEntry);
    this.membership = new MembershipChanges(division, admin, batcher::submit, this::status, stateMachine::image,
        this::awaitLinearizable, () -> stateMachine.state().clusterUuid());
  }

  /** The Raft division this controller runs (for tests of what Raft keeps). */
  RaftServer.Division division() {
    return division;
  }

  /** The client id of this controller's direct submissions as leader. */
  ClientId localClient() {
    return localClient;
  }

  public String memberId() {
    return config.memberId();
  }

  public String leaderId() {
    RaftPeerId leader = division.getInfo().getLeaderId();
    return leader == null ? "" : leader.toString();
  }

  public CompletableFuture<com.google.protobuf.ByteString> submitEncoded(Command command) {
    return batcher.submitEncodedAsync(command);
  }

  /**
   * Sends one entry (a batch of commands) through Raft; completes with the answers in order. On the
   * leader the entry goes straight to the local Raft server, without the round trip through its
   * own gRPC client port, and its answers come back in this process ({@link InProcessAnswers});
   * elsewhere (or when leadership just moved) the Raft client finds the leader, and the answers
   * come in its reply.
   */
  private CompletableFuture<List<com.google.protobuf.ByteString>> sendEntry(LoggedCommand entry) {
    ByteString bytes = UnsafeByteOperations.unsafeWrap(entry.toByteArray());
    Message forwarded = Message.valueOf(bytes);
    if (division.getInfo().isLeader()) {
      long callId = localCalls.incrementAndGet();
      InProcessAnswers answers = stateMachine.answers();
      CompletableFuture<byte[]> answer = answers.expect(localClient, callId);
      RaftClientRequest request = RaftClientRequest.newBuilder()
          .setClientId(localClient)
          .setServerId(self)
          .setGroupId(division.getGroup().getGroupId())
          .setCallId(callId)
          // Serialized messages one after the other merge: the flag is appended, not re-encoded.
          .setMessage(Message.valueOf(bytes.concat(ANSWERED_IN_PROCESS)))
          .setType(RaftClientRequest.writeRequestType())
          .build();
      try {
        return division.getRaftServer().submitClientRequestAsync(request)
            .thenCompose(reply -> reply.getNotLeaderException() != null || reply.getException() instanceof NotLeaderException
                ? client.async().send(forwarded).thenApply(r -> results(r, null))
                : CompletableFuture.completedFuture(results(reply, answer.getNow(null))))
            .whenComplete((r, e) -> answers.forget(localClient, callId));
      } catch (IOException e) {
        answers.forget(localClient, callId);
      }
    }
    return client.async().send(forwarded).thenApply(reply -> results(reply, null));
  }

  /** The flag of an entry whose answers the leader takes in its process, encoded. */
  private static final ByteString ANSWERED_IN_PROCESS =
      UnsafeByteOperations.unsafeWrap(LoggedCommand.newBuilder().setAnsweredInProcess(true).build().toByteArray());

  /**
   * The answers to an entry, each an encoded CommandResult: those handed over in this process,
   * else those in Raft's reply. They stay encoded on their way to the clients.
   */
  private static List<com.google.protobuf.ByteString> results(RaftClientReply reply, byte[] inProcess) {
    if (!reply.isSuccess()) {
      throw new UnavailableException("raft group cannot order the command: " + reply.getException(), reply.getException());
    }
    ByteString content = inProcess != null ? UnsafeByteOperations.unsafeWrap(inProcess) : reply.getMessage().getContent();
    if (content.isEmpty()) {
      // The entry was applied before a restart and replayed from the store: its results are
      // gone. Retrying with the same request ids is the callers' way to learn the outcome.
      throw new UnavailableException("command was applied but its result was lost in a restart", null);
    }
    try {
      return EncodedResults.parseFrom(content.asReadOnlyByteBuffer()).getResultsList();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("state machine replied with something other than EncodedResults", e);
    }
  }

  /** Stops batching; queued commands fail as unavailable (their callers may retry elsewhere). */
  void close() {
    batcher.close();
  }

  public void awaitLinearizable() {
    if (config.unsafeLocalReads()) {
      // The chaos tests' deliberate fault: answer from whatever this replica has applied.
      return;
    }
    RaftClientReply reply;
    try {
      // Addressed to this server: on a follower, Ratis asks the leader for its commit index
      // (ReadIndex) and answers once the local replica has applied up to it.
      reply = client.io().sendReadOnly(Message.EMPTY, self);
    } catch (IOException e) {
      throw new UnavailableException("linearizable read failed: " + e.getMessage(), e);
    }
    if (!reply.isSuccess()) {
      throw new UnavailableException("linearizable read failed: " + reply.getException(), reply.getException());
    }
  }

  public ClusterStatus status() {
    DivisionInfo info = division.getInfo();
    RaftPeerId leader = info.getLeaderId();
    HashedState state = hashes(stateMachine.state());
    ClusterImage image = state.state().image();
    SnapshotInfo snapshot = stateMachine.getLatestSnapshot();
    ClusterStatus.Builder out = ClusterStatus.newBuilder()
        .setMemberId(config.memberId())
        .setLeaderId(leader == null ? "" : leader.toString())
        .setRevision(image.revision())
        .setAppliedIndex(Math.max(0, info.getLastAppliedIndex()))
        .setTerm(info.getCurrentTerm())
        .setStateHash(state.imageHash())
        .setRequestWindowHash(state.windowHash())
        .setRequestWindowSize(state.state().requests().size())
        .setSnapshotIndex(snapshot == null ? 0 : Math.max(0, snapshot.getIndex()))
        .setSnapshotsInstalled(stateMachine.snapshotsInstalled())
        .setLogStartIndex(Math.max(0, division.getRaftLog().getStartIndex()))
        .setClusterUuid(state.state().clusterUuid());
    Map<String, MemberRole> roles = roles(info, leader);
    List<RaftPeer> peers = new ArrayList<>(division.getRaftConf().getCurrentPeers());
    peers.sort(Comparator.comparing(p -> p.getId().toString()));
    for (RaftPeer peer : peers) {
      String id = peer.getId().toString();
      // Members added at run time are recorded in the replicated state; the others come from flags.
      String grpc = id.equals(config.memberId()) ? grpcAddress.get()
          : image.members().get(id).map(ControllerMember::getGrpcAddress)
              .orElse(config.peerGrpcAddresses().containsKey(id) ? config.peerGrpcAddresses().get(id).toString() : "");
      out.addMembers(Member.newBuilder()
          .setId(id)
          .setRaftAddress(peer.getAddress())
          .setGrpcAddress(grpc)
          .setRole(roles.getOrDefault(id, MemberRole.MEMBER_ROLE_UNSPECIFIED)));
    }
    return out.build();
  }

  /** What this member can tell about roles: its own, the leader's, and (on the leader) live followers. */
  private Map<String, MemberRole> roles(DivisionInfo info, RaftPeerId leader) {
    Map<String, MemberRole> roles = new HashMap<>();
    RoleInfoProto roleInfo = info.getRoleInfoProto();
    if (roleInfo.hasLeaderInfo()) {
      for (ServerRpcProto f : roleInfo.getLeaderInfo().getFollowerInfoList()) {
        if (f.getLastRpcElapsedTimeMs() < FOLLOWER_SILENCE_MILLIS) {
          roles.put(RaftPeerId.valueOf(f.getId().getId()).toString(), MemberRole.FOLLOWER);
        }
      }
    }
    if (leader != null) {
      roles.put(leader.toString(), MemberRole.LEADER);
    }
    roles.put(config.memberId(), toRole(info.getCurrentRole()));
    return roles;
  }

  private static MemberRole toRole(RaftPeerRole role) {
    return switch (role) {
      case LEADER -> MemberRole.LEADER;
      case FOLLOWER -> MemberRole.FOLLOWER;
      case CANDIDATE -> MemberRole.CANDIDATE;
      case LISTENER -> MemberRole.LISTENER;
      case UNRECOGNIZED -> MemberRole.MEMBER_ROLE_UNSPECIFIED;
    };
  }

  public MembershipResponse addMember(AddMemberRequest request) {
    return membership.add(request);
  }

  public MembershipResponse removeMember(RemoveMemberRequest request) {
    return membership.remove(request);
  }

  /** The hashes of {@code state}, computed once per state. */
  private HashedState hashes(ReplicaState state) {
    HashedState h = hashed;
    if (h.state() != state) {
      h = new HashedState(state, ImageCodec.stateHash(state.image()), ImageCodec.windowHash(state));
      hashed = h;
    }
    return h;
  }
}
