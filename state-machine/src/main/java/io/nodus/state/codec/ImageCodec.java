package io.nodus.state.codec;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.EndpointsImage;
import io.nodus.state.image.IdentitiesImage;
import io.nodus.state.image.NodesImage;
import io.nodus.state.image.PoliciesImage;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.Node;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.QuarantinedIdentity;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Converts an image to and from {@link ClusterState}. Lists come out in key order, so the bytes of
 * equal images are equal and {@link #stateHash} can compare replicas.
 */
public final class ImageCodec {
  private ImageCodec() {}

  public static ClusterState toState(ClusterImage image) {
    return ClusterState.newBuilder()
        .setRevision(image.revision())
        .setConfig(image.config())
        .addAllIdentities(image.identities().byId().values())
        .addAllNodes(image.nodes().byName().values())
        .addAllEndpoints(image.endpoints().byName().values())
        .addAllPolicies(image.policies().byKey().values())
        .setNextEndpointId(image.endpoints().nextEndpointId())
        .setNextIdentity(image.identities().nextId())
        .setNextLocalIdentity(image.identities().nextLocalId())
        .addAllQuarantine(quarantine(image))
        .build();
  }

  /** The quarantine of an image as records, by id. */
  static java.util.List<QuarantinedIdentity> quarantine(ClusterImage image) {
    java.util.List<QuarantinedIdentity> out = new java.util.ArrayList<>();
    image.identities().quarantine().forEach((id, at) ->
        out.add(QuarantinedIdentity.newBuilder().setId(id).setReleasedMillis(at).build()));
    return out;
  }

  public static ClusterImage fromState(ClusterState state) {
    // Reserved identities are constants: present in every image whether or not a state lists them.
    IdentitiesImage identities = IdentitiesImage.EMPTY;
    for (Identity i : state.getIdentitiesList()) {
      identities = identities.with(i);
    }
    for (QuarantinedIdentity q : state.getQuarantineList()) {
      identities = identities.withQuarantine(q.getId(), q.getReleasedMillis());
    }
    identities = identities.withCursors(state.getNextIdentity(), state.getNextLocalIdentity());
    NodesImage nodes = NodesImage.EMPTY;
    for (Node n : state.getNodesList()) {
      nodes = nodes.with(n);
    }
    EndpointsImage endpoints = EndpointsImage.EMPTY;
    for (Endpoint e : state.getEndpointsList()) {
      endpoints = endpoints.with(e);
    }
    endpoints = endpoints.withNextEndpointId(state.getNextEndpointId());
    PoliciesImage policies = PoliciesImage.EMPTY;
    for (Policy p : state.getPoliciesList()) {
      policies = policies.with(p);
    }
    return new ClusterImage(state.getRevision(), state.getConfig(), identities, nodes, endpoints, policies);
  }

  /** SHA-256 of the canonical state bytes, hex encoded: equal on replicas that agree. */
  public static String stateHash(ClusterImage image) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(toState(image).toByteArray()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
