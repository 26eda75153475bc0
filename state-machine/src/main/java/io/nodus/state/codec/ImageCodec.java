package io.nodus.state.codec;

import io.nodus.state.ReplicaState;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.EndpointsImage;
import io.nodus.state.image.IdentitiesImage;
import io.nodus.state.image.IpamImage;
import io.nodus.state.image.MembersImage;
import io.nodus.state.image.NodesImage;
import io.nodus.state.image.PoliciesImage;
import io.nodus.state.image.RequestWindow;
import io.nodus.state.image.ServicesImage;
import io.nodus.state.policy.CidrIdentities;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.ControllerMember;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.IpamAllocation;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.Node;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.QuarantinedIdentity;
import io.nodus.state.proto.RecordedRequest;
import io.nodus.state.proto.ReplicaRecord;
import io.nodus.state.proto.Service;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

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
        .addAllEndpoints(image.endpoints().sorted())
        .addAllPolicies(image.policies().sorted())
        .setNextEndpointId(image.endpoints().nextEndpointId())
        .setNextIdentity(image.identities().nextId())
        .setNextLocalIdentity(image.identities().nextLocalId())
        .addAllQuarantine(quarantine(image))
        .addAllServices(image.services().byKey().values())
        .setNextServiceId(image.services().nextId())
        .addAllIpamPools(image.ipam().pools().values())
        .addAllIpamAllocations(image.ipam().allAllocations())
        .addAllMembers(image.members().byId().values())
        .build();
  }

  /** The quarantine of an image as records, by id. */
  static List<QuarantinedIdentity> quarantine(ClusterImage image) {
    List<QuarantinedIdentity> out = new ArrayList<>();
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
      policies = policies.with(p, CidrIdentities.prefixes(p));
    }
    ServicesImage services = ServicesImage.EMPTY;
    for (Service s : state.getServicesList()) {
      services = services.with(s);
    }
    services = services.withNextId(state.getNextServiceId() == 0 ? 1 : state.getNextServiceId());
    IpamImage ipam = IpamImage.EMPTY;
    for (IpamPool p : state.getIpamPoolsList()) {
      ipam = ipam.withPool(p);
    }
    for (IpamAllocation a : state.getIpamAllocationsList()) {
      ipam = ipam.allocated(a);
    }
    MembersImage members = MembersImage.EMPTY;
    for (ControllerMember m : state.getMembersList()) {
      members = members.with(m);
    }
    return new ClusterImage(state.getRevision(), state.getConfig(), identities, nodes, endpoints, policies, services, ipam, members);
  }

  /** SHA-256 of the canonical state bytes, hex encoded: equal on replicas that agree. */
  public static String stateHash(ClusterImage image) {
    MessageDigest sha = sha256();
    return HexFormat.of().formatHex(sha.digest(toState(image).toByteArray()));
  }

  /** What a replica keeps besides the image and the window: the cluster clock and the cluster id. */
  public static ReplicaRecord replicaRecord(ReplicaState state) {
    return ReplicaRecord.newBuilder()
        .setClusterUuid(state.clusterUuid())
        .setClockTerm(state.clock().term())
        .setClockMonotonicMillis(state.clock().monotonicMillis())
        .setClockNowMillis(state.clock().nowMillis())
        .build();
  }

  /**
   * SHA-256 of the deduplication window's records, oldest first, then the replica record (cluster
   * clock and id): equal on replicas that agree.
   */
  public static String windowHash(ReplicaState state) {
    MessageDigest sha = sha256();
    updateWindow(sha, state.requests());
    sha.update(replicaRecord(state).toByteArray());
    return HexFormat.of().formatHex(sha.digest());
  }

  /** SHA-256 of the deduplication window's records alone, oldest first. */
  public static String windowHash(RequestWindow window) {
    MessageDigest sha = sha256();
    updateWindow(sha, window);
    return HexFormat.of().formatHex(sha.digest());
  }

  private static void updateWindow(MessageDigest sha, RequestWindow window) {
    for (RecordedRequest r : window.inOrder()) {
      byte[] bytes = r.toByteArray();
      // Length-prefixed, so that two windows cannot hash alike by splitting records differently.
      sha.update(java.nio.ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
      sha.update(bytes);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
