package io.nodus.state.codec;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.PoliciesImage;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.Node;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.QuarantinedIdentity;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The per-resource form of an image, as a key-value store holds it: one record per identity,
 * node, endpoint and policy, plus a meta record. After each applied entry only the resources its
 * events touched are rewritten.
 */
public final class ImageResources {
  private ImageResources() {}

  /**
   * One write: {@code value} is the resource's new bytes, or null when it was deleted.
   *
   * @param key the resource
   * @param value serialized resource, or null for a delete
   */
  public record Write(ResourceKey key, byte[] value) {}

  /** Every resource of the image, by key. */
  public static Map<ResourceKey, byte[]> all(ClusterImage image) {
    Map<ResourceKey, byte[]> out = new TreeMap<>((a, b) -> java.util.Arrays.compare(a.toBytes(), b.toBytes()));
    out.put(ResourceKey.META, meta(image));
    image.identities().byId().forEach((id, i) -> out.put(ResourceKey.identity(id), i.toByteArray()));
    for (QuarantinedIdentity q : ImageCodec.quarantine(image)) {
      out.put(ResourceKey.quarantine(q.getId()), q.toByteArray());
    }
    image.nodes().byName().forEach((n, node) -> out.put(ResourceKey.node(n), node.toByteArray()));
    image.endpoints().byName().forEach((n, e) -> out.put(ResourceKey.endpoint(n), e.toByteArray()));
    image.policies().byKey().values().forEach(p -> out.put(ResourceKey.policy(p.getNamespace(), p.getName()), p.toByteArray()));
    return out;
  }

  /** The writes that bring a store holding {@code before} to {@code after}, which {@code events} led to. */
  public static List<Write> changes(ClusterImage before, ClusterImage after, List<Event> events) {
    Set<ResourceKey> touched = new LinkedHashSet<>();
    touched.add(ResourceKey.META);
    for (Event e : events) {
      touched.addAll(touchedBy(e));
      if (e.hasIdentityReleased()) {
        // A release also ends the quarantine of numbers whose window is over.
        before.identities().quarantine().forEach((id, at) -> {
          if (!after.identities().quarantine().containsKey(id)) {
            touched.add(ResourceKey.quarantine(id));
          }
        });
      }
    }
    List<Write> writes = new ArrayList<>(touched.size());
    for (ResourceKey k : touched) {
      writes.add(new Write(k, valueOf(after, k)));
    }
    return writes;
  }

  /** Rebuilds an image from every record of a store. */
  public static ClusterImage load(Map<ResourceKey, byte[]> records) {
    try {
      byte[] meta = records.get(ResourceKey.META);
      if (meta == null) {
        return ClusterImage.EMPTY;
      }
      ClusterState.Builder state = ClusterState.parseFrom(meta).toBuilder();
      for (Map.Entry<ResourceKey, byte[]> r : records.entrySet()) {
        switch (r.getKey().kind()) {
          case META -> { }
          case IDENTITY -> state.addIdentities(Identity.parseFrom(r.getValue()));
          case NODE -> state.addNodes(Node.parseFrom(r.getValue()));
          case ENDPOINT -> state.addEndpoints(Endpoint.parseFrom(r.getValue()));
          case POLICY -> state.addPolicies(Policy.parseFrom(r.getValue()));
          case QUARANTINE -> state.addQuarantine(QuarantinedIdentity.parseFrom(r.getValue()));
        }
      }
      return ImageCodec.fromState(state.build());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored resource is corrupt", e);
    }
  }

  private static byte[] meta(ClusterImage image) {
    return ClusterState.newBuilder()
        .setRevision(image.revision())
        .setConfig(image.config())
        .setNextEndpointId(image.endpoints().nextEndpointId())
        .setNextIdentity(image.identities().nextId())
        .setNextLocalIdentity(image.identities().nextLocalId())
        .build()
        .toByteArray();
  }

  private static List<ResourceKey> touchedBy(Event e) {
    return switch (e.getBodyCase()) {
      case CLUSTER_CONFIGURED, BODY_NOT_SET -> List.of();
      // Allocation and release move the number in or out of quarantine, and release prunes it.
      case IDENTITY_ALLOCATED -> List.of(ResourceKey.identity(e.getIdentityAllocated().getIdentity().getId()),
          ResourceKey.quarantine(e.getIdentityAllocated().getIdentity().getId()));
      case IDENTITY_RELEASED -> List.of(ResourceKey.identity(e.getIdentityReleased().getId()),
          ResourceKey.quarantine(e.getIdentityReleased().getId()));
      case POLICY_UPSERTED -> List.of(ResourceKey.policy(
          e.getPolicyUpserted().getPolicy().getNamespace(), e.getPolicyUpserted().getPolicy().getName()));
      case POLICY_DELETED -> List.of(ResourceKey.policy(e.getPolicyDeleted().getNamespace(), e.getPolicyDeleted().getName()));
      case NODE_REGISTERED -> List.of(ResourceKey.node(e.getNodeRegistered().getNode().getName()));
      // An endpoint change also moves its identity's reference count.
      case ENDPOINT_CREATED -> List.of(ResourceKey.endpoint(e.getEndpointCreated().getEndpoint().getName()),
          ResourceKey.identity(e.getEndpointCreated().getEndpoint().getIdentity()));
      case ENDPOINT_READY -> List.of(ResourceKey.endpoint(e.getEndpointReady().getName()));
      case ENDPOINT_DELETED -> List.of(ResourceKey.endpoint(e.getEndpointDeleted().getName()),
          ResourceKey.identity(e.getEndpointDeleted().getIdentity()));
    };
  }

  private static byte[] valueOf(ClusterImage image, ResourceKey k) {
    return switch (k.kind()) {
      case META -> meta(image);
      case IDENTITY -> image.identities().get(Integer.parseInt(k.id())).map(Identity::toByteArray).orElse(null);
      case QUARANTINE -> {
        Long at = image.identities().quarantine().getOrNull(Integer.parseInt(k.id()));
        yield at == null ? null : QuarantinedIdentity.newBuilder().setId(Integer.parseInt(k.id())).setReleasedMillis(at).build().toByteArray();
      }
      case NODE -> image.nodes().get(k.id()).map(Node::toByteArray).orElse(null);
      case ENDPOINT -> image.endpoints().get(k.id()).map(Endpoint::toByteArray).orElse(null);
      case POLICY -> {
        int slash = k.id().indexOf('/');
        yield image.policies().byKey().get(PoliciesImage.key(k.id().substring(0, slash), k.id().substring(slash + 1)))
            .map(Policy::toByteArray).orElse(null);
      }
    };
  }
}

