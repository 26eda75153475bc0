package io.nodus.state.evolve;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.IpamImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.policy.CidrIdentities;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.IpamAllocation;
import io.nodus.state.proto.Node;
import io.nodus.state.proto.Policy;

/**
 * Folds events into images: {@code evolve(image, event)} returns the image after the event.
 *
 * <p>Pure and total for every event {@code decide} can produce. An event that contradicts the
 * image (an endpoint that does not exist, a revision out of order) means the log or a replica is
 * broken, so it fails loudly with {@link IllegalStateException} instead of guessing.
 */
public final class Evolver {
  private Evolver() {}

  public static ClusterImage evolve(ClusterImage image, Event event) {
    if (event.getRevision() != image.revision() + 1) {
      throw new IllegalStateException("event revision " + event.getRevision() + " does not follow image revision " + image.revision());
    }
    ClusterImage next = switch (event.getBodyCase()) {
      case CLUSTER_CONFIGURED -> image.withConfig(event.getClusterConfigured().getConfig());
      case IDENTITY_ALLOCATED -> {
        Identity id = event.getIdentityAllocated().getIdentity();
        yield image.withIdentities(image.identities().allocated(id));
      }
      case IDENTITY_RELEASED -> image.withIdentities(image.identities().released(
          event.getIdentityReleased().getId(), event.getTimeMillis(), image.identityQuarantineMillis()));
      case POLICY_UPSERTED -> {
        Policy p = event.getPolicyUpserted().getPolicy().toBuilder().setRevision(event.getRevision()).build();
        yield image.withPolicies(image.policies().with(p, CidrIdentities.prefixes(p)));
      }
      case POLICY_DELETED -> image.withPolicies(image.policies().without(
          event.getPolicyDeleted().getNamespace(), event.getPolicyDeleted().getName()));
      case NODE_REGISTERED -> nodeRegistered(image, event.getNodeRegistered().getNode(), event.getRevision());
      case NODE_REMOVED -> {
        var removed = event.getNodeRemoved();
        if (image.nodes().get(removed.getName()).isEmpty()) {
          throw new IllegalStateException("remove event for unknown node " + removed.getName());
        }
        yield image.withNodes(image.nodes().without(removed.getName()))
            .withIpam(image.ipam().released(IpamImage.DEFAULT_POOL, Cidr.parse(removed.getPodCidr(), "podCidr")));
      }
      case ENDPOINT_CREATED -> {
        Endpoint ep = event.getEndpointCreated().getEndpoint();
        yield image.withEndpoints(image.endpoints().with(ep))
            .withIdentities(image.identities().referenced(ep.getIdentity(), 1));
      }
      case ENDPOINT_READY -> {
        var ready = event.getEndpointReady();
        Endpoint ep = image.endpoints().get(ready.getName())
            .orElseThrow(() -> new IllegalStateException("ready event for unknown endpoint " + ready.getName()));
        yield image.withEndpoints(image.endpoints().with(ep.toBuilder()
            .setIpv4(ready.getIpv4())
            .setInterfaceName(ready.getInterfaceName())
            .setState(EndpointState.ENDPOINT_STATE_READY)
            .build()));
      }
      case ENDPOINT_DELETED -> {
        String name = event.getEndpointDeleted().getName();
        Endpoint ep = image.endpoints().get(name)
            .orElseThrow(() -> new IllegalStateException("delete event for unknown endpoint " + name));
        yield image.withEndpoints(image.endpoints().without(name))
            .withIdentities(image.identities().referenced(ep.getIdentity(), -1));
      }
      case SERVICE_UPSERTED -> image.withServices(image.services().with(
          event.getServiceUpserted().getService().toBuilder().setRevision(event.getRevision()).build()));
      case SERVICE_DELETED -> image.withServices(image.services().without(
          event.getServiceDeleted().getNamespace(), event.getServiceDeleted().getName()));
      case IPAM_POOL_CREATED -> image.withIpam(image.ipam().withPool(
          event.getIpamPoolCreated().getPool().toBuilder().setRevision(event.getRevision()).build()));
      case IPAM_POOL_DELETED -> image.withIpam(image.ipam().withoutPool(event.getIpamPoolDeleted().getName()));
      case IPAM_ALLOCATED -> image.withIpam(image.ipam().allocated(
          event.getIpamAllocated().getAllocation().toBuilder().setRevision(event.getRevision()).build()));
      case IPAM_RELEASED -> image.withIpam(image.ipam().released(
          event.getIpamReleased().getPool(), Cidr.parse(event.getIpamReleased().getCidr(), "cidr")));
      case MEMBER_RECORDED -> image.withMembers(image.members().with(event.getMemberRecorded().getMember()));
      case MEMBER_FORGOTTEN -> image.withMembers(image.members().without(event.getMemberForgotten().getId()));
      case BODY_NOT_SET -> throw new IllegalStateException("event " + event.getRevision() + " has no body");
    };
    return next.withRevision(event.getRevision());
  }

  /** A node registers (its pod CIDR becomes a default-pool allocation) or moves its underlay. */
  private static ClusterImage nodeRegistered(ClusterImage image, Node node, long revision) {
    boolean isNew = image.nodes().get(node.getName()).isEmpty();
    ClusterImage next = image.withNodes(image.nodes().with(node));
    if (!isNew || node.getPodCidr().isEmpty()) {
      return next;
    }
    return next.withIpam(next.ipam().allocated(IpamAllocation.newBuilder()
        .setPool(IpamImage.DEFAULT_POOL)
        .setCidr(node.getPodCidr())
        .setOwner(IpamImage.nodeOwner(node.getName()))
        .setRevision(revision)
        .build()));
  }
}
