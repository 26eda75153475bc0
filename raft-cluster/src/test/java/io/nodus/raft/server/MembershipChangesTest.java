package io.nodus.raft.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.raft.grpc.UnavailableException;
import io.nodus.raft.proto.AddMemberRequest;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.proto.RemoveMemberRequest;
import io.nodus.state.CommandApplier;
import io.nodus.state.ReplicaState;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.ControllerMember;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.RecordMember;
import io.nodus.state.proto.Rejection;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.server.RaftConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Membership changes against a fake Raft group: what is checked before a change, in which order
 * the admin calls go, and how a change waits for, or gives up on, the configuration. The
 * real-process tests ({@code MembershipChangeTest}, {@code ThreeControllerTest}) cover Ratis' side.
 * Every call the fakes see goes into one journal, so the tests can say what happened in what order.
 */
class MembershipChangesTest {
  private static final RaftPeer C1 = peer("c1", "10.0.0.1:9501");
  private static final RaftPeer C2 = peer("c2", "10.0.0.2:9501");
  private static final RaftPeer C3 = peer("c3", "10.0.0.3:9501");
  private static final AddMemberRequest ADD_C4 = AddMemberRequest.newBuilder()
      .setId("c4").setRaftAddress("10.0.0.4:9501").setGrpcAddress("10.0.0.4:9401").build();
  private static final ClusterStatus STATUS = ClusterStatus.newBuilder().setMemberId("c1").setLeaderId("c1").build();
  private static final String CLUSTER = "4b1e0c8e-0000-4000-8000-000000000001";
  /** Long enough that a test which wrongly waits it out is plain to see. */
  private static final long SETTLE_TIMEOUT_MILLIS = 20_000;

  private final List<String> journal = new ArrayList<>();
  private final FakeGroup group = new FakeGroup(journal);
  private Optional<String[]> probeAnswer = Optional.empty();
  private CommandResult submitAnswer = CommandResult.newBuilder().setAccepted(Accepted.newBuilder().setRevision(8)).build();
  private ClusterImage image = ClusterImage.EMPTY;
  private long settleTimeoutMillis = SETTLE_TIMEOUT_MILLIS;

  private MembershipChanges changes() {
    return new MembershipChanges(group,
        (id, raft, grpc, cluster) -> {
          journal.add("probe " + id + " raft=" + raft + " grpc=" + grpc + " cluster=" + cluster);
          return probeAnswer;
        },
        settleTimeoutMillis,
        command -> {
          journal.add("submit " + describe(command));
          return submitAnswer;
        },
        () -> STATUS, () -> image, () -> journal.add("sync"), () -> CLUSTER);
  }

  // --- adding ---

  @Test
  void addingProbesTheMemberThenChangesTheConfigurationThenRecordsItsAddresses() {
    group.settled(List.of(C1, C2, C3));

    MembershipResponse response = changes().add(ADD_C4);

    assertThat(response.getStatus()).isEqualTo(STATUS);
    assertThat(journal).containsExactly(
        "probe c4 raft=10.0.0.4:9501 grpc=10.0.0.4:9401 cluster=" + CLUSTER,
        "setConfiguration ADD new=[c4|10.0.0.4:9501]",
        "submit RecordMember c4 raft=10.0.0.4:9501 grpc=10.0.0.4:9401",
        "sync");
  }

  @Test
  void addingAMemberAlreadyInPlaceOnlyRecordsItsAddressesAgain() {
    group.settled(List.of(C1, C2, C3, peer("c4", "10.0.0.4:9501")));

    MembershipResponse response = changes().add(ADD_C4);

    assertThat(response.getStatus()).isEqualTo(STATUS);
    assertThat(journal).containsExactly("submit RecordMember c4 raft=10.0.0.4:9501 grpc=10.0.0.4:9401", "sync");
  }

  static Stream<Arguments> invalidAdds() {
    return Stream.of(
        Arguments.of(ADD_C4.toBuilder().setId("").build(), "id"),
        Arguments.of(ADD_C4.toBuilder().setId("c 4!").build(), "id"),
        Arguments.of(ADD_C4.toBuilder().setRaftAddress("10.0.0.4").build(), "raftAddress"),
        Arguments.of(ADD_C4.toBuilder().setRaftAddress("0.0.0.0:9501").build(), "raftAddress"),
        Arguments.of(ADD_C4.toBuilder().setGrpcAddress("10.0.0.4:99999").build(), "grpcAddress"),
        Arguments.of(ADD_C4.toBuilder().setGrpcAddress("255.255.255.255:9401").build(), "grpcAddress"));
  }

  @ParameterizedTest
  @MethodSource("invalidAdds")
  void anInvalidAddIsRejectedNamingTheFieldBeforeAnythingElse(AddMemberRequest request, String field) {
    group.settled(List.of(C1, C2, C3));
    image = imageAtRevision();

    Rejection rejection = changes().add(request).getRejection();

    assertThat(rejection.getCode()).isEqualTo(RejectionCodes.INVALID_ARGUMENT);
    assertThat(rejection.getField()).isEqualTo(field);
    assertThat(rejection.getRevision()).isEqualTo(image.revision()).isPositive();
    assertThat(journal).isEmpty();
    assertThat(group.configurationReads).isZero();
  }

  @Test
  void anIdAlreadyInTheGroupAtAnotherAddressIsRefused() {
    group.settled(List.of(C1, C2, C3, peer("c4", "10.0.0.44:9501")));

    Rejection rejection = changes().add(ADD_C4).getRejection();

    assertThat(rejection.getCode()).isEqualTo(RejectionCodes.ALREADY_EXISTS);
    assertThat(rejection.getField()).isEqualTo("id");
    assertThat(rejection.getMessage()).contains("10.0.0.44:9501").contains("remove it first");
    assertThat(journal).isEmpty();
  }

  @Test
  void anAddressHeldByAnotherMemberIsRefused() {
    group.settled(List.of(C1, C2, C3));

    Rejection rejection = changes().add(ADD_C4.toBuilder().setRaftAddress(C3.getAddress()).build()).getRejection();

    assertThat(rejection.getCode()).isEqualTo(RejectionCodes.ALREADY_EXISTS);
    assertThat(rejection.getField()).isEqualTo("raftAddress");
    assertThat(rejection.getMessage()).contains("c3");
    assertThat(journal).isEmpty();
  }

  @Test
  void aMemberTheProbeRefusesIsRejectedBeforeAnyConfigurationChange() {
    group.settled(List.of(C1, C2, C3));
    probeAnswer = Optional.of(new String[] {"grpcAddress", "controller c4 does not answer at 10.0.0.4:9401"});

    Rejection rejection = changes().add(ADD_C4).getRejection();

    assertThat(rejection.getCode()).isEqualTo(RejectionCodes.FAILED_PRECONDITION);
    assertThat(rejection.getField()).isEqualTo("grpcAddress");
    assertThat(rejection.getMessage()).isEqualTo("controller c4 does not answer at 10.0.0.4:9401");
    assertThat(journal).singleElement().asString().startsWith("probe c4");
  }

  @Test
  void aRefusedRecordOfTheAddressesIsTheAnswer() {
    group.settled(List.of(C1, C2, C3));
    Rejection refused = Rejection.newBuilder().setCode(RejectionCodes.ALREADY_EXISTS).setField("member.grpcAddress")
        .setMessage("10.0.0.4:9401 is member c2's address").build();
    submitAnswer = CommandResult.newBuilder().setRejection(refused).build();

    MembershipResponse response = changes().add(ADD_C4);

    assertThat(response.getRejection()).isEqualTo(refused);
    assertThat(journal).doesNotContain("sync");
  }

  // --- removing ---

  @Test
  void removingAFollowerChangesTheConfigurationThenForgetsItWithoutMovingTheLeadership() {
    group.settled(List.of(C1, C2, C3));
    group.leader = C1.getId();

    MembershipResponse response = changes().remove(remove("c3"));

    assertThat(response.getStatus()).isEqualTo(STATUS);
    assertThat(journal).containsExactly(
        "setConfiguration COMPARE_AND_SET current=[c1|10.0.0.1:9501, c2|10.0.0.2:9501, c3|10.0.0.3:9501]"
            + " new=[c1|10.0.0.1:9501, c2|10.0.0.2:9501]",
        "submit ForgetMember c3",
        "sync");
  }

  @Test
  void removingTheLeaderHandsTheLeadershipToAMemberThatStaysFirst() {
    group.settled(List.of(C1, C2, C3));
    group.leader = C2.getId();

    changes().remove(remove("c2"));

    assertThat(journal).containsExactly(
        "transferLeadership to=c1",
        "setConfiguration COMPARE_AND_SET current=[c1|10.0.0.1:9501, c2|10.0.0.2:9501, c3|10.0.0.3:9501]"
            + " new=[c1|10.0.0.1:9501, c3|10.0.0.3:9501]",
        "submit ForgetMember c2",
        "sync");
  }

  @Test
  void aLeaderRemovingItselfHandsOverAndDoesNotAskForAReadIndexAfterwards() {
    group.settled(List.of(C1, C2, C3));
    group.leader = C1.getId();

    MembershipResponse response = changes().remove(remove("c1"));

    assertThat(response.getStatus()).isEqualTo(STATUS);
    assertThat(journal).containsExactly(
        "transferLeadership to=c2",
        "setConfiguration COMPARE_AND_SET current=[c1|10.0.0.1:9501, c2|10.0.0.2:9501, c3|10.0.0.3:9501]"
            + " new=[c2|10.0.0.2:9501, c3|10.0.0.3:9501]",
        "submit ForgetMember c1");
  }

  @Test
  void aHandOverThatFailsStopsTheRemovalBeforeTheConfigurationChanges() {
    group.settled(List.of(C1, C2, C3));
    group.leader = C2.getId();
    group.transferOutcomes.add(() -> failed(new TransferLeadershipException("c1 did not catch up in time")));

    assertThatThrownBy(() -> changes().remove(remove("c2")))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("cannot move the leadership away from c2")
        .hasCauseInstanceOf(TransferLeadershipException.class);
    assertThat(journal).containsExactly("transferLeadership to=c1");
  }

  @Test
  void removingTheLastMemberIsRefused() {
    group.settled(List.of(C1));

    Rejection rejection = changes().remove(remove("c1")).getRejection();

    assertThat(rejection.getCode()).isEqualTo(RejectionCodes.FAILED_PRECONDITION);
    assertThat(rejection.getField()).isEqualTo("id");
    assertThat(rejection.getMessage()).contains("last one");
    assertThat(journal).isEmpty();
  }

  @Test
  void removingAnUnknownMemberIsNotFound() {
    group.settled(List.of(C1, C2, C3));

    Rejection rejection = changes().remove(remove("c9")).getRejection();

    assertThat(rejection.getCode()).isEqualTo(RejectionCodes.NOT_FOUND);
    assertThat(rejection.getField()).isEqualTo("id");
    assertThat(journal).isEmpty();
  }

  @Test
  void removingAMemberOutOfTheConfigurationButStillRecordedOnlyForgetsIt() {
    group.settled(List.of(C1, C2));
    image = imageWithMember("c3", "10.0.0.3:9501", "10.0.0.3:9401");

    MembershipResponse response = changes().remove(remove("c3"));

    assertThat(response.getStatus()).isEqualTo(STATUS);
    assertThat(journal).containsExactly("submit ForgetMember c3", "sync");
  }

  @Test
  void anInvalidRemoveIsRejectedNamingTheField() {
    group.settled(List.of(C1, C2, C3));

    Rejection rejection = changes().remove(remove("c/3")).getRejection();

    assertThat(rejection.getCode()).isEqualTo(RejectionCodes.INVALID_ARGUMENT);
    assertThat(rejection.getField()).isEqualTo("id");
    assertThat(journal).isEmpty();
    assertThat(group.configurationReads).isZero();
  }

  // --- the configuration a change starts from ---

  @Test
  void aChangeWaitsUntilTheJointPhaseOfAnEarlierOneEnds() {
    List<RaftPeer> joint = List.of(C1, C2, C3, peer("c5", "10.0.0.5:9501"));
    group.configurations(conf(joint, List.of(C1, C2, C3), 10), conf(joint, List.of(C1, C2, C3), 10), conf(joint, List.of(), 11));
    group.committed(11);

    changes().add(ADD_C4);

    assertThat(group.configurationReads).isEqualTo(3);
    assertThat(journal).contains("setConfiguration ADD new=[c4|10.0.0.4:9501]");
  }

  @Test
  void aChangeWaitsUntilTheConfigurationItStartsFromIsCommitted() {
    group.configurations(conf(List.of(C1, C2, C3), List.of(), 12));
    group.committed(11, 11, 12);

    changes().remove(remove("c3"));

    assertThat(group.committedReads).isEqualTo(3);
    assertThat(journal).contains("submit ForgetMember c3");
  }

  @Test
  void aConfigurationThatDoesNotSettleInTimeMakesTheChangeUnavailableWithoutStartingIt() {
    settleTimeoutMillis = 300;
    group.configurations(conf(List.of(C1, C2, C3), List.of(C1, C2), 10));
    group.committed(10);

    assertThatThrownBy(() -> changes().remove(remove("c3")))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("still in progress");
    assertThat(group.configurationReads).isGreaterThan(1);
    assertThat(journal).isEmpty();
  }

  @Test
  void aControllerOutsideTheGroupRefusesAtOnce() {
    group.settled(List.of(C2, C3));

    assertThatThrownBy(() -> changes().add(ADD_C4))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("controller c1 is not a member of the group");
    assertThatThrownBy(() -> changes().remove(remove("c3")))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("controller c1 is not a member of the group");
    assertThat(group.configurationReads).isEqualTo(2);
    assertThat(journal).isEmpty();
  }

  // --- Ratis failing a change ---

  @Test
  void aLeaderThatFailsAChangeOnAnAssertionOfItsStateStepsDownAndTheChangeIsRetried() {
    group.settled(List.of(C1, C2, C3));
    // As Ratis' client rethrows the leader's failure, the assertion a few causes down.
    group.configurationOutcomes.add(() -> {
      throw new IOException("setConfiguration failed", new CompletionException(
          new IllegalStateException("duplicated element c4")));
    });

    MembershipResponse response = changes().add(ADD_C4);

    assertThat(response.getStatus()).isEqualTo(STATUS);
    assertThat(journal).containsSubsequence(
        "setConfiguration ADD new=[c4|10.0.0.4:9501]",
        "transferLeadership to=null",
        "setConfiguration ADD new=[c4|10.0.0.4:9501]",
        "submit RecordMember c4 raft=10.0.0.4:9501 grpc=10.0.0.4:9401");
  }

  @Test
  void aChangeFailingOnTheAssertionTwiceIsUnavailableAfterOneStepDown() {
    group.settled(List.of(C1, C2, C3));
    for (int i = 0; i < 2; i++) {
      group.configurationOutcomes.add(() -> {
        throw new IOException(new IllegalStateException("no change pending"));
      });
    }

    assertThatThrownBy(() -> changes().remove(remove("c3")))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("membership change failed")
        .hasRootCauseInstanceOf(IllegalStateException.class);
    assertThat(journal).filteredOn(line -> !line.startsWith("setConfiguration")).containsExactly("transferLeadership to=null");
    assertThat(journal).filteredOn(line -> line.startsWith("setConfiguration")).hasSize(2);
  }

  @Test
  void aChangeFailingForAnotherReasonIsNotRetried() {
    group.settled(List.of(C1, C2, C3));
    group.configurationOutcomes.add(() -> failed(new LeaderSteppingDownException("c1 is stepping down")));

    assertThatThrownBy(() -> changes().remove(remove("c3")))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("membership change failed")
        .hasCauseInstanceOf(LeaderSteppingDownException.class);
    assertThat(journal).singleElement().asString().startsWith("setConfiguration");
  }

  @Test
  void aChangeThatCannotReachTheLeaderIsUnavailableAndNotRetried() {
    group.settled(List.of(C1, C2, C3));
    group.configurationOutcomes.add(() -> {
      throw new IOException("deadline exceeded");
    });

    assertThatThrownBy(() -> changes().add(ADD_C4))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("membership change failed: deadline exceeded");
    assertThat(journal).filteredOn(line -> !line.startsWith("probe")).singleElement().asString().startsWith("setConfiguration");
  }

  // --- fixtures ---

  private static RaftPeer peer(String id, String raftAddress) {
    return RaftPeer.newBuilder().setId(id).setAddress(raftAddress).build();
  }

  private static RemoveMemberRequest remove(String id) {
    return RemoveMemberRequest.newBuilder().setId(id).build();
  }

  private static RaftConfiguration conf(List<RaftPeer> current, List<RaftPeer> previous, long index) {
    return new FakeConfiguration(current, previous, index);
  }

  /** An image past revision 0, so that a rejection's revision says something. */
  private static ClusterImage imageAtRevision() {
    return imageWithMember("c2", "10.0.0.2:9501", "10.0.0.2:9401");
  }

  private static ClusterImage imageWithMember(String id, String raft, String grpc) {
    Command record = Command.newBuilder().setRequestId("record-" + id).setRecordMember(RecordMember.newBuilder()
        .setMember(ControllerMember.newBuilder().setId(id).setRaftAddress(raft).setGrpcAddress(grpc))).build();
    ClusterImage out = CommandApplier.applyEntry(ReplicaState.EMPTY,
        LoggedCommand.newBuilder().setLeaderTimeMillis(1_000).addCommands(record).build(), 1).state().image();
    assertThat(out.members().get(id)).isPresent();
    return out;
  }

  private static String describe(Command command) {
    return switch (command.getBodyCase()) {
      case RECORD_MEMBER -> {
        ControllerMember m = command.getRecordMember().getMember();
        yield "RecordMember " + m.getId() + " raft=" + m.getRaftAddress() + " grpc=" + m.getGrpcAddress();
      }
      case FORGET_MEMBER -> "ForgetMember " + command.getForgetMember().getId();
      default -> throw new AssertionError("membership changes submitted " + command);
    };
  }

  private static String peers(Collection<RaftPeer> peers) {
    return peers.stream().map(p -> p.getId() + "|" + p.getAddress()).toList().toString();
  }

  private static RaftClientReply succeeded() {
    return reply().setSuccess().build();
  }

  private static RaftClientReply failed(RaftException e) {
    return reply().setException(e).build();
  }

  private static RaftClientReply.Builder reply() {
    return RaftClientReply.newBuilder().setClientId(ClientId.randomId()).setServerId(C1.getId())
        .setGroupId(RaftGroupId.randomId()).setCallId(1);
  }

  /** What the fake answers to one admin request: a reply, or an exception thrown. */
  @FunctionalInterface
  private interface Outcome {
    RaftClientReply get() throws IOException;
  }

  /**
   * This controller ({@code c1}) in a fake group: configurations and commit indexes are scripted
   * (each read takes the next, the last one stays), admin requests are journaled and answered as
   * scripted (success when nothing is).
   */
  private static final class FakeGroup implements GroupAdmin {
    private final List<String> journal;
    private final Deque<RaftConfiguration> configurations = new ArrayDeque<>();
    private final Deque<Long> committed = new ArrayDeque<>(List.of(0L));
    final Deque<Outcome> configurationOutcomes = new ArrayDeque<>();
    final Deque<Outcome> transferOutcomes = new ArrayDeque<>();
    RaftPeerId leader;
    int configurationReads;
    int committedReads;

    FakeGroup(List<String> journal) {
      this.journal = journal;
    }

    /** A committed configuration of {@code peers} with nothing in progress. */
    void settled(List<RaftPeer> peers) {
      configurations(conf(peers, List.of(), 5));
      committed(5);
    }

    void configurations(RaftConfiguration... script) {
      configurations.clear();
      configurations.addAll(List.of(script));
    }

    void committed(long... script) {
      committed.clear();
      for (long c : script) {
        committed.add(c);
      }
    }

    private static <T> T next(Deque<T> script) {
      return script.size() > 1 ? script.poll() : script.getFirst();
    }

    @Override
    public RaftPeerId memberId() {
      return C1.getId();
    }

    @Override
    public RaftConfiguration configuration() {
      configurationReads++;
      return next(configurations);
    }

    @Override
    public long lastCommittedIndex() {
      committedReads++;
      return next(committed);
    }

    @Override
    public RaftPeerId leaderId() {
      return leader;
    }

    @Override
    public RaftClientReply setConfiguration(SetConfigurationRequest.Arguments arguments) throws IOException {
      journal.add("setConfiguration " + arguments.getMode()
          + (arguments.getServersInCurrentConf().isEmpty() ? "" : " current=" + peers(arguments.getServersInCurrentConf()))
          + " new=" + peers(arguments.getServersInNewConf()));
      Outcome outcome = configurationOutcomes.poll();
      return outcome == null ? succeeded() : outcome.get();
    }

    @Override
    public RaftClientReply transferLeadership(RaftPeerId to, long timeoutMillis) throws IOException {
      journal.add("transferLeadership to=" + to);
      Outcome outcome = transferOutcomes.poll();
      return outcome == null ? succeeded() : outcome.get();
    }
  }

  /** A configuration as Ratis reports it: voters now and, in a joint phase, before. */
  private record FakeConfiguration(List<RaftPeer> current, List<RaftPeer> previous, long index) implements RaftConfiguration {
    @Override
    public RaftPeer getPeer(RaftPeerId id, RaftPeerRole... roles) {
      return Stream.concat(current.stream(), previous.stream()).filter(p -> p.getId().equals(id)).findFirst().orElse(null);
    }

    @Override
    public Collection<RaftPeer> getAllPeers(RaftPeerRole role) {
      return role == RaftPeerRole.FOLLOWER ? Stream.concat(current.stream(), previous.stream()).distinct().toList() : List.of();
    }

    @Override
    public Collection<RaftPeer> getCurrentPeers(RaftPeerRole role) {
      return role == RaftPeerRole.FOLLOWER ? current : List.of();
    }

    @Override
    public Collection<RaftPeer> getPreviousPeers(RaftPeerRole role) {
      return role == RaftPeerRole.FOLLOWER ? previous : List.of();
    }

    @Override
    public long getLogEntryIndex() {
      return index;
    }
  }
}
