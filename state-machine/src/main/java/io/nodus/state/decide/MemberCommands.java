package io.nodus.state.decide;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Addresses;
import io.nodus.state.proto.ControllerMember;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.ForgetMember;
import io.nodus.state.proto.MemberForgotten;
import io.nodus.state.proto.MemberRecorded;
import io.nodus.state.proto.RecordMember;
import java.util.Optional;

/**
 * Decides the records of controller addresses. Who votes is Ratis' configuration; these records
 * only say where members are reached, so both commands are idempotent.
 */
final class MemberCommands {
  private MemberCommands() {}

  /** Validates a member's id and addresses, throwing on the first bad field. */
  static void validate(ControllerMember m) {
    Addresses.requireMemberId(m.getId(), "id");
    Addresses.requireHostPort(m.getRaftAddress(), "raftAddress");
    Addresses.requireHostPort(m.getGrpcAddress(), "grpcAddress");
  }

  static Decision record(ClusterImage image, RecordMember cmd) {
    ControllerMember member = cmd.getMember();
    validate(member);
    Optional<ControllerMember> existing = image.members().get(member.getId());
    if (existing.isPresent() && existing.get().equals(member)) {
      return Decision.nothing();
    }
    return Decision.accept(Event.newBuilder().setMemberRecorded(MemberRecorded.newBuilder().setMember(member)));
  }

  static Decision forget(ClusterImage image, ForgetMember cmd) {
    Addresses.requireMemberId(cmd.getId(), "id");
    if (image.members().get(cmd.getId()).isEmpty()) {
      return Decision.nothing();
    }
    return Decision.accept(Event.newBuilder().setMemberForgotten(MemberForgotten.newBuilder().setId(cmd.getId())));
  }
}
