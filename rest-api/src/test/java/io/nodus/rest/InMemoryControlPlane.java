package io.nodus.rest;

import io.nodus.rest.api.ClusterView;
import io.nodus.rest.core.ControlPlane;
import io.nodus.rest.core.PageRequest;
import io.nodus.state.CommandApplier;
import io.nodus.state.ReplicaState;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.rest.core.RejectedException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.ControllerMember;
import io.nodus.state.proto.ForgetMember;
import io.nodus.state.proto.RecordMember;
import io.nodus.state.proto.Rejection;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.read.ResourceAt;
import io.nodus.state.read.ResourcePage;
import io.nodus.state.read.ResourceReads;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The real state machine without Raft, for fast tests of the REST layer. End-to-end tests run
 * the REST API against real controllers.
 */
final class InMemoryControlPlane implements ControlPlane {
  private ReplicaState state = ReplicaState.EMPTY;
  private ClusterImage image = ClusterImage.EMPTY;
  private long index;

  @Override
  public synchronized CommandResult submit(Command command) {
    CommandApplier.Applied a = CommandApplier.apply(state,
        LoggedCommand.newBuilder().setCommand(command).setLeaderTimeMillis(System.currentTimeMillis()).build(), ++index);
    state = a.state();
    image = a.image();
    return a.result();
  }

  @Override
  public synchronized ClusterState read(boolean stale) {
    return ImageCodec.toState(image);
  }

  @Override
  public synchronized ResourceAt get(ResourceKind kind, String key, boolean stale) {
    return ResourceReads.get(image, kind, key).map(r -> new ResourceAt(r, image.revision()))
        .orElseThrow(() -> new RejectedException(ResourceReads.notFound(kind, key, image.revision())));
  }

  @Override
  public synchronized ResourcePage list(PageRequest request) {
    return ResourceReads.list(image, request.query());
  }

  /** Members in order of joining; c1 leads. A fake of the Raft configuration for fast REST tests. */
  private final Map<String, ClusterView.Member> members = new LinkedHashMap<>(
      Map.of("c1", new ClusterView.Member("c1", "127.0.0.1:9402", "leader", "127.0.0.1:9401")));

  @Override
  public synchronized ClusterView cluster() {
    return new ClusterView(List.copyOf(members.values()), "c1", image.revision(), ImageCodec.stateHash(image), "c1");
  }

  @Override
  public synchronized ClusterView addMember(String id, String raftAddress, String grpcAddress) {
    ClusterView.Member existing = members.get(id);
    if (existing != null && !existing.address().equals(raftAddress)) {
      throw new RejectedException(Rejection.newBuilder().setCode(RejectionCodes.ALREADY_EXISTS).setField("id")
          .setMessage("member " + id + " is in the group with raft address " + existing.address()).setRevision(image.revision()).build());
    }
    CommandResult r = submit(Command.newBuilder().setRequestId("member-" + id + "-" + image.revision())
        .setRecordMember(RecordMember.newBuilder().setMember(ControllerMember.newBuilder()
            .setId(id).setRaftAddress(raftAddress).setGrpcAddress(grpcAddress))).build());
    if (r.hasRejection()) {
      throw new RejectedException(r.getRejection());
    }
    members.put(id, new ClusterView.Member(id, raftAddress, "follower", grpcAddress));
    return cluster();
  }

  @Override
  public synchronized ClusterView removeMember(String id) {
    if (!members.containsKey(id)) {
      throw new RejectedException(Rejection.newBuilder().setCode(RejectionCodes.NOT_FOUND).setField("id")
          .setMessage("no member " + id + " in the group").setRevision(image.revision()).build());
    }
    if (members.size() == 1) {
      throw new RejectedException(Rejection.newBuilder().setCode(RejectionCodes.FAILED_PRECONDITION).setField("id")
          .setMessage("member " + id + " is the last one").setRevision(image.revision()).build());
    }
    members.remove(id);
    submit(Command.newBuilder().setRequestId("forget-" + id + "-" + image.revision())
        .setForgetMember(ForgetMember.newBuilder().setId(id)).build());
    return cluster();
  }

  synchronized long revision() {
    return image.revision();
  }
}
