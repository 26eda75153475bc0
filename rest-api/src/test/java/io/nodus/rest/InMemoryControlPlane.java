package io.nodus.rest;

import io.nodus.rest.api.ClusterView;
import io.nodus.rest.core.ControlPlane;
import io.nodus.state.CommandApplier;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.LoggedCommand;
import java.util.List;

/**
 * The real state machine without Raft, for fast tests of the REST layer. End-to-end tests run
 * the REST API against real controllers.
 */
final class InMemoryControlPlane implements ControlPlane {
  private ClusterImage image = ClusterImage.EMPTY;
  private long index;

  @Override
  public synchronized CommandResult submit(Command command) {
    CommandApplier.Applied a = CommandApplier.apply(image,
        LoggedCommand.newBuilder().setCommand(command).setLeaderTimeMillis(System.currentTimeMillis()).build(), ++index);
    image = a.image();
    return a.result();
  }

  @Override
  public synchronized ClusterState read(boolean stale) {
    return ImageCodec.toState(image);
  }

  @Override
  public synchronized ClusterView cluster() {
    return new ClusterView(List.of(new ClusterView.Member("c1", "127.0.0.1:9402", "LEADER")), "c1", image.revision(),
        ImageCodec.stateHash(image), "c1");
  }

  synchronized long revision() {
    return image.revision();
  }
}
