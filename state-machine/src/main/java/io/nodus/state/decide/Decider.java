package io.nodus.state.decide;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.ClusterConfig;
import io.nodus.state.proto.ClusterConfigured;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.Event;

/**
 * Dispatches a command to the decider of its resource. Total: every command gets a decision, and
 * a malformed one gets a rejection naming the field, never an exception.
 */
public final class Decider {
  private Decider() {}

  public static Decision decide(ClusterImage image, Command command, ApplyContext ctx) {
    try {
      return switch (command.getBodyCase()) {
        case UPSERT_POLICY -> PolicyCommands.upsert(image, command.getUpsertPolicy());
        case DELETE_POLICY -> PolicyCommands.delete(image, command.getDeletePolicy());
        case REGISTER_NODE -> NodeCommands.register(image, command.getRegisterNode());
        case CREATE_ENDPOINT -> EndpointCommands.create(image, command.getCreateEndpoint(), ctx);
        case MARK_ENDPOINT_READY -> EndpointCommands.markReady(image, command.getMarkEndpointReady());
        case DELETE_ENDPOINT -> EndpointCommands.delete(image, command.getDeleteEndpoint());
        case CONFIGURE_CLUSTER -> configure(image, command.getConfigureCluster().getConfig());
        case BODY_NOT_SET -> Decision.reject(RejectionCodes.INVALID_ARGUMENT, "body", "command has no body");
      };
    } catch (InvalidFieldException e) {
      return Decision.reject(e);
    }
  }

  private static Decision configure(ClusterImage image, ClusterConfig config) {
    ClusterConfig normalized = ClusterConfigs.validate(config);
    if (normalized.equals(image.config())) {
      return Decision.nothing();
    }
    if (!image.nodes().byName().isEmpty() || !image.endpoints().byName().isEmpty()) {
      return Decision.reject(RejectionCodes.FAILED_PRECONDITION, "config",
          "the cluster configuration can only change before any node or endpoint exists");
    }
    return Decision.accept(Event.newBuilder().setClusterConfigured(ClusterConfigured.newBuilder().setConfig(normalized)));
  }
}
