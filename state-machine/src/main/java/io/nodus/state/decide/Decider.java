package io.nodus.state.decide;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.IpamImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.ClusterConfig;
import io.nodus.state.proto.ClusterConfigured;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.IpamPool;

/**
 * Dispatches a command to the decider of its resource. Total: every command gets a decision, and
 * a malformed one gets a rejection naming the field, never an exception.
 */
public final class Decider {
  private Decider() {}

  public static Decision decide(ClusterImage image, Command command, ApplyContext ctx) {
    try {
      return switch (command.getBodyCase()) {
        case UPSERT_POLICY -> PolicyCommands.upsert(image, command.getUpsertPolicy(), ctx);
        case DELETE_POLICY -> PolicyCommands.delete(image, command.getDeletePolicy());
        case REGISTER_NODE -> NodeCommands.register(image, command.getRegisterNode());
        case CREATE_ENDPOINT -> EndpointCommands.create(image, command.getCreateEndpoint(), ctx);
        case MARK_ENDPOINT_READY -> EndpointCommands.markReady(image, command.getMarkEndpointReady());
        case DELETE_ENDPOINT -> EndpointCommands.delete(image, command.getDeleteEndpoint());
        case CONFIGURE_CLUSTER -> configure(image, command.getConfigureCluster().getConfig());
        case UPSERT_SERVICE -> ServiceCommands.upsert(image, command.getUpsertService());
        case DELETE_SERVICE -> ServiceCommands.delete(image, command.getDeleteService());
        case REMOVE_NODE -> NodeCommands.remove(image, command.getRemoveNode());
        case CREATE_IPAM_POOL -> IpamCommands.createPool(image, command.getCreateIpamPool());
        case DELETE_IPAM_POOL -> IpamCommands.deletePool(image, command.getDeleteIpamPool());
        case ALLOCATE_IPAM -> IpamCommands.allocate(image, command.getAllocateIpam());
        case RELEASE_IPAM -> IpamCommands.release(image, command.getReleaseIpam());
        case RECORD_MEMBER -> MemberCommands.record(image, command.getRecordMember());
        case FORGET_MEMBER -> MemberCommands.forget(image, command.getForgetMember());
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
    if (!image.nodes().byName().isEmpty() || !image.endpoints().byName().isEmpty()
        || !image.ipam().allocationsOf(IpamImage.DEFAULT_POOL).isEmpty()) {
      return Decision.reject(RejectionCodes.FAILED_PRECONDITION, "config",
          "the cluster configuration can only change before any node, endpoint or pod CIDR allocation exists");
    }
    Cidr pool = Cidr.parse(normalized.getPodCidrPool(), "config.podCidrPool");
    for (IpamPool other : image.ipam().pools().values()) {
      Cidr o = Cidr.parse(other.getCidr(), "cidr");
      if (o.contains(pool) || pool.contains(o)) {
        return Decision.reject(RejectionCodes.ALREADY_EXISTS, "config.podCidrPool",
            pool + " overlaps IPAM pool " + other.getName() + " (" + o + ")");
      }
    }
    return Decision.accept(Event.newBuilder().setClusterConfigured(ClusterConfigured.newBuilder().setConfig(normalized)));
  }
}
