package io.nodus.raft.server;

import io.nodus.raft.grpc.UnavailableException;
import io.nodus.raft.proto.AddMemberRequest;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.proto.RemoveMemberRequest;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Addresses;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.ControllerMember;
import io.nodus.state.proto.ForgetMember;
import io.nodus.state.proto.RecordMember;
import io.nodus.state.proto.Rejection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds and removes controllers at run time through Ratis' setConfiguration, then records (or
 * forgets) the member's addresses in the replicated state so that every controller can tell
 * clients where it is.
 *
 * <p>Before adding, the new controller must answer (as that member id, of no other cluster) and
 * its Raft port accept a connection, each within {@value #PROBE_TIMEOUT_MILLIS} ms; otherwise
 * the add is refused before any change starts. Adding uses Ratis' ADD mode: the leader first brings the new peer up to date (a bootstrapping
 * peer is always sent the latest snapshot first, then the log after it) and only then commits the
 * configuration that counts it as a voter. Removing compares and sets the current configuration,
 * so two concurrent changes cannot silently undo each other. Both are idempotent: repeating a
 * change that is already in place only re-records the addresses.
 *
 * <p>Thread-safe: calls block the caller while Raft answers; Ratis refuses overlapping changes.
 */
final class MembershipChanges {
  private static final Logger log = LoggerFactory.getLogger(MembershipChanges.class);
  /** How long the successor of a leader being removed has to catch up and take over. */
  private static final long TRANSFER_TIMEOUT_MILLIS = 20_000;
  /** How long a change waits for an earlier one to leave its joint phase. */
  private static final long SETTLE_TIMEOUT_MILLIS = 20_000;
  private static final long SETTLE_POLL_MILLIS = 50;
  /** How long a member about to be added has to answer, before any change starts. */
  private static final long PROBE_TIMEOUT_MILLIS = 3_000;

  private final GroupAdmin group;
  private final Probe probe;
  private final long settleTimeoutMillis;
  private final Function<Command, CommandResult> submit;
  private final Supplier<ClusterStatus> status;
  private final Supplier<ClusterImage> image;
  private final Runnable sync;
  private final Supplier<String> clusterUuid;

  /** Checks a controller about to be added ({@link MemberProbe}): a problem as {field, message}, or empty. */
  @FunctionalInterface
  interface Probe {
    Optional<String[]> check(String id, String raftAddress, String grpcAddress, String clusterUuid);
  }

  /**
   * @param sync waits until the local replica applied everything committed (so that the status
   *     returned includes the recorded addresses, also when this controller is a follower)
   */
  MembershipChanges(RaftServer.Division division, RaftClient admin, Function<Command, CommandResult> submit,
      Supplier<ClusterStatus> status, Supplier<ClusterImage> image, Runnable sync, Supplier<String> clusterUuid) {
    this(GroupAdmin.of(division, admin), new MemberProbe(PROBE_TIMEOUT_MILLIS)::check, SETTLE_TIMEOUT_MILLIS,
        submit, status, image, sync, clusterUuid);
  }

  /**
   * The same over any {@link GroupAdmin} and {@link Probe} (tests use fakes), waiting up to {@code
   * settleTimeoutMillis} for an earlier change to settle.
   */
  MembershipChanges(GroupAdmin group, Probe probe, long settleTimeoutMillis, Function<Command, CommandResult> submit,
      Supplier<ClusterStatus> status, Supplier<ClusterImage> image, Runnable sync, Supplier<String> clusterUuid) {
    this.group = group;
    this.probe = probe;
    this.settleTimeoutMillis = settleTimeoutMillis;
    this.sync = sync;
    this.clusterUuid = clusterUuid;
    this.submit = submit;
    this.status = status;
    this.image = image;
  }

  MembershipResponse add(AddMemberRequest request) {
    ControllerMember member = ControllerMember.newBuilder()
        .setId(request.getId()).setRaftAddress(request.getRaftAddress()).setGrpcAddress(request.getGrpcAddress()).build();
    try {
      Addresses.requireMemberId(member.getId(), "id");
      Addresses.requireMemberAddress(member.getRaftAddress(), "raftAddress");
      Addresses.requireMemberAddress(member.getGrpcAddress(), "grpcAddress");
    } catch (InvalidFieldException e) {
      return rejected(e.code(), e.field(), e.getMessage());
    }
    Collection<RaftPeer> current = settledConfiguration().getCurrentPeers();
    Optional<RaftPeer> same = find(current, member.getId());
    if (same.isPresent() && !same.get().getAddress().equals(member.getRaftAddress())) {
      return rejected(RejectionCodes.ALREADY_EXISTS, "id", "member " + member.getId() + " is in the group with raft address "
          + same.get().getAddress() + "; remove it first to move it");
    }
    for (RaftPeer p : current) {
      if (!p.getId().toString().equals(member.getId()) && p.getAddress().equals(member.getRaftAddress())) {
        return rejected(RejectionCodes.ALREADY_EXISTS, "raftAddress", member.getRaftAddress() + " is member " + p.getId() + "'s address");
      }
    }
    if (same.isEmpty()) {
      Optional<String[]> unreachable = probe.check(member.getId(), member.getRaftAddress(), member.getGrpcAddress(),
          clusterUuid.get());
      if (unreachable.isPresent()) {
        return rejected(RejectionCodes.FAILED_PRECONDITION, unreachable.get()[0], unreachable.get()[1]);
      }
      RaftPeer peer = RaftPeer.newBuilder().setId(member.getId()).setAddress(member.getRaftAddress()).build();
      log.info("adding member id={} raft={} grpc={}", member.getId(), member.getRaftAddress(), member.getGrpcAddress());
      setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
          .setServersInNewConf(List.of(peer)).setMode(SetConfigurationRequest.Mode.ADD).build());
    }
    CommandResult recorded = submit.apply(Command.newBuilder().setRequestId("member-add-" + UUID.randomUUID())
        .setRecordMember(RecordMember.newBuilder().setMember(member)).build());
    if (recorded.hasRejection()) {
      return MembershipResponse.newBuilder().setRejection(recorded.getRejection()).build();
    }
    sync.run();
    return MembershipResponse.newBuilder().setStatus(status.get()).build();
  }

  MembershipResponse remove(RemoveMemberRequest request) {
    String id = request.getId();
    try {
      Addresses.requireMemberId(id, "id");
    } catch (InvalidFieldException e) {
      return rejected(e.code(), e.field(), e.getMessage());
    }
    List<RaftPeer> current = new ArrayList<>(settledConfiguration().getCurrentPeers());
    if (find(current, id).isPresent()) {
      if (current.size() == 1) {
        return rejected(RejectionCodes.FAILED_PRECONDITION, "id", "member " + id + " is the last one; a group cannot be empty");
      }
      List<RaftPeer> remaining = current.stream().filter(p -> !p.getId().toString().equals(id)).toList();
      handOverLeadership(id, remaining);
      log.info("removing member id={} remaining={}", id, remaining.stream().map(p -> p.getId().toString()).toList());
      setConfiguration(SetConfigurationRequest.Arguments.newBuilder()
          .setServersInCurrentConf(current).setServersInNewConf(remaining)
          .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET).build());
    } else if (image.get().members().get(id).isEmpty()) {
      return rejected(RejectionCodes.NOT_FOUND, "id", "no member " + id + " in the group");
    }
    CommandResult forgotten = submit.apply(Command.newBuilder().setRequestId("member-remove-" + UUID.randomUUID())
        .setForgetMember(ForgetMember.newBuilder().setId(id)).build());
    if (forgotten.hasRejection()) {
      return MembershipResponse.newBuilder().setRejection(forgotten.getRejection()).build();
    }
    if (!id.equals(group.memberId().toString())) {
      // A member that just removed itself can no longer ask the leader for a read index.
      sync.run();
    }
    return MembershipResponse.newBuilder().setStatus(status.get()).build();
  }

  /**
   * This replica's configuration once it is settled: no change in its joint phase, and the
   * configuration committed. Until the final configuration of a change commits, the old members
   * still count, and an answer that a removal is done would let an operator wipe a member that may
   * still be asked to vote (a retried removal saw the new peers as "current" during the joint phase
   * and went on as if the removal were done; the chaos membership nemesis then wiped the member).
   * Waits at most {@link #SETTLE_TIMEOUT_MILLIS} (in production). A controller outside the group
   * (removed, or started with --join and not yet added) refuses at once: it cannot tell, and a
   * client moves on to a member.
   */
  private RaftConfiguration settledConfiguration() {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(settleTimeoutMillis);
    while (true) {
      RaftConfiguration conf = group.configuration();
      if (find(conf.getCurrentPeers(), group.memberId().toString()).isEmpty()) {
        // Removed, or not yet added: no leader tells this replica what commits any more.
        throw new UnavailableException("controller " + group.memberId() + " is not a member of the group; ask a member", null);
      }
      if (conf.getPreviousPeers().isEmpty() && conf.getLogEntryIndex() <= group.lastCommittedIndex()) {
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (waited >= 1000) {
          log.info("membership change waited for the configuration to settle waited_ms={} conf_index={}", waited, conf.getLogEntryIndex());
        }
        return conf;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new UnavailableException("a membership change is still in progress (" + conf + "); retry", null);
      }
      try {
        Thread.sleep(SETTLE_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnavailableException("interrupted while a membership change settles", e);
      }
    }
  }

  /**
   * Moves the leadership to a member that stays before the leader is removed. A leader that
   * removes itself goes on leading until the new configuration commits, then steps down; a
   * command it accepted meanwhile (such as the ForgetMember that follows the change, when the
   * leader itself serves the request) may then never be ordered, and its caller waits in vain.
   * After the hand-over the removal is that of a follower.
   */
  private void handOverLeadership(String id, List<RaftPeer> remaining) {
    RaftPeerId leader = group.leaderId();
    if (leader == null || !leader.toString().equals(id)) {
      return;
    }
    RaftPeer successor = remaining.getFirst();
    log.info("moving leadership before the leader is removed id={} to={}", id, successor.getId());
    adminCall("cannot move the leadership away from " + id,
        () -> group.transferLeadership(successor.getId(), TRANSFER_TIMEOUT_MILLIS));
  }

  /**
   * Runs a configuration change. When the leader fails it on an assertion of its own state (an
   * {@link IllegalStateException} from Ratis), the leader steps down and the change is tried once
   * more, under the next leader's fresh state.
   *
   * <p>Found by the chaos tests (membership changes mixed with pauses and kills): a leader elected
   * while a removal was still in its joint configuration kept a log appender for the removed peer;
   * adding that peer back then failed in {@code addSenders} ("duplicated element") after the
   * request had been registered as the pending configuration change, and that registration was
   * never cleared, so every later change on that leader failed its "no change pending" assertion,
   * for as long as it led. A new leader term starts with appenders for the configuration's peers
   * only and no pending change.
   */
  private void setConfiguration(SetConfigurationRequest.Arguments arguments) {
    try {
      trySetConfiguration(arguments);
    } catch (UnavailableException e) {
      if (!causedBy(e, IllegalStateException.class)) {
        throw e;
      }
      log.warn("membership change failed on an assertion of the leader's state; the leader steps down and the change is retried error={}",
          String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
      stepDownLeader();
      trySetConfiguration(arguments);
    }
  }

  private void trySetConfiguration(SetConfigurationRequest.Arguments arguments) {
    adminCall("membership change failed", () -> group.setConfiguration(arguments));
  }

  /** Asks the leader to step down (a transfer to no one in particular); a new term follows. */
  private void stepDownLeader() {
    adminCall("the leader did not step down", () -> group.transferLeadership(null, TRANSFER_TIMEOUT_MILLIS));
  }

  /** A Ratis admin request of this controller's; a failure or a refusal is {@code failure}: the cause. */
  private static void adminCall(String failure, AdminRequest request) {
    RaftClientReply reply;
    try {
      reply = request.send();
    } catch (IOException e) {
      throw new UnavailableException(failure + ": " + e.getMessage(), e);
    }
    if (!reply.isSuccess()) {
      throw new UnavailableException(failure + ": " + reply.getException(), reply.getException());
    }
  }

  @FunctionalInterface
  private interface AdminRequest {
    RaftClientReply send() throws IOException;
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static Optional<RaftPeer> find(Collection<RaftPeer> peers, String id) {
    return peers.stream().filter(p -> p.getId().toString().equals(id)).findFirst();
  }

  private MembershipResponse rejected(String code, String field, String message) {
    return MembershipResponse.newBuilder().setRejection(Rejection.newBuilder().setCode(code).setField(field == null ? "" : field)
        .setMessage(message).setRevision(image.get().revision())).build();
  }
}
