package io.nodus.state.evolve;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Identity;

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
      case POLICY_UPSERTED -> image.withPolicies(image.policies().with(
          event.getPolicyUpserted().getPolicy().toBuilder().setRevision(event.getRevision()).build()));
      case POLICY_DELETED -> image.withPolicies(image.policies().without(
          event.getPolicyDeleted().getNamespace(), event.getPolicyDeleted().getName()));
      case NODE_REGISTERED -> image.withNodes(image.nodes().with(event.getNodeRegistered().getNode()));
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
      case BODY_NOT_SET -> throw new IllegalStateException("event " + event.getRevision() + " has no body");
    };
    return next.withRevision(event.getRevision());
  }
}
