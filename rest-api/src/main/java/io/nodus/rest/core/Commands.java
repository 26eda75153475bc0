package io.nodus.rest.core;

import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import java.util.UUID;

/** Submits commands for resources, turning rejections into {@link RejectedException}. */
public final class Commands {
  private final ControlPlane controlPlane;

  public Commands(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  /** Submits {@code command} with a fresh request id unless it has one; throws when rejected. */
  public Accepted submit(Command command) {
    Command withId = command.getRequestId().isEmpty()
        ? command.toBuilder().setRequestId("rest-" + UUID.randomUUID()).build()
        : command;
    CommandResult result = controlPlane.submit(withId);
    if (result.hasRejection()) {
      throw new RejectedException(result.getRejection());
    }
    return result.getAccepted();
  }
}
