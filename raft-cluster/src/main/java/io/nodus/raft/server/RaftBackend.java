package io.nodus.raft.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.raft.grpc.ControllerBackend;
import io.nodus.raft.grpc.UnavailableException;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.Member;
import io.nodus.raft.proto.MemberRole;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * The controller as the gRPC service sees it: writes and linearizable reads go through a Ratis
 * client inside the controller (which finds the leader and rides out elections), stale reads and
 * status come from the local replica. Thread-safe: the Ratis client is shared by all gRPC threads.
 */
final class RaftBackend implements ControllerBackend {
  /** A follower the leader has not heard from for this long is not reported as a follower. */
  private static final long FOLLOWER_SILENCE_MILLIS = 5_000;

  private final ControllerConfig config;
  private final RaftServer.Division division;
  private final RaftClient client;
  private final NodusStateMachine stateMachine;
  private final RaftPeerId self;
  private final Supplier<String> grpcAddress;
  private volatile HashedImage hashed = new HashedImage(null, "");

  private record HashedImage(ClusterImage image, String hash) {}

  RaftBackend(ControllerConfig config, RaftServer.Division division, RaftClient client,
      NodusStateMachine stateMachine, Supplier<String> grpcAddress) {
    this.config = config;
    this.division = division;
    this.client = client;
    this.stateMachine = stateMachine;
    this.self = RaftPeerId.valueOf(config.memberId());
    this.grpcAddress = grpcAddress;
  }

  @Override
  public String memberId() {
    return config.memberId();
  }

  @Override
  public CommandResult submit(Command command) {
    RaftClientReply reply;
    try {
      reply = client.io().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(command.toByteArray())));
    } catch (StateMachineException e) {
      throw new IllegalArgumentException("command refused before the log: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UnavailableException("raft group cannot order the command: " + e.getMessage(), e);
    }
    if (!reply.isSuccess()) {
      throw new UnavailableException("raft group cannot order the command: " + reply.getException(), reply.getException());
    }
    if (reply.getMessage().getContent().isEmpty()) {
      // The entry was applied before a restart and replayed from the store: its result is gone.
      // Retrying with the same request id is the caller's way to learn the outcome.
      throw new UnavailableException("command was applied but its result was lost in a restart", null);
    }
    try {
      return CommandResult.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("state machine replied with something other than a CommandResult", e);
    }
  }

  @Override
  public void awaitLinearizable() {
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

  @Override
  public ClusterImage localImage() {
    return stateMachine.image();
  }

  @Override
  public ClusterStatus status() {
    DivisionInfo info = division.getInfo();
    RaftPeerId leader = info.getLeaderId();
    ClusterImage image = stateMachine.image();
    ClusterStatus.Builder out = ClusterStatus.newBuilder()
        .setMemberId(config.memberId())
        .setLeaderId(leader == null ? "" : leader.toString())
        .setRevision(image.revision())
        .setAppliedIndex(Math.max(0, info.getLastAppliedIndex()))
        .setTerm(info.getCurrentTerm())
        .setStateHash(hash(image));
    Map<String, MemberRole> roles = roles(info, leader);
    List<RaftPeer> peers = new ArrayList<>(division.getRaftConf().getCurrentPeers());
    peers.sort(Comparator.comparing(p -> p.getId().toString()));
    for (RaftPeer peer : peers) {
      String id = peer.getId().toString();
      String grpc = id.equals(config.memberId()) ? grpcAddress.get()
          : config.peerGrpcAddresses().containsKey(id) ? config.peerGrpcAddresses().get(id).toString() : "";
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

  /** The state hash of {@code image}, computed once per image. */
  private String hash(ClusterImage image) {
    HashedImage h = hashed;
    if (h.image() != image) {
      h = new HashedImage(image, ImageCodec.stateHash(image));
      hashed = h;
    }
    return h.hash();
  }
}
