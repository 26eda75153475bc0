package io.nodus.state.codec;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.state.ClusterClock;
import io.nodus.state.CommandApplier;
import io.nodus.state.delta.ClusterDelta;
import io.nodus.state.delta.ResourceDelta;
import io.nodus.state.ReplicaState;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.RequestWindow;
import io.nodus.state.image.StoredPolicy;
import io.nodus.state.model.Cidr;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The per-resource form of the replicated state, as a key-value store holds it: one record per
 * identity, node, endpoint, policy, service, IPAM pool and allocation, member and answered
 * request, plus a meta record. After each applied entry only the records it touched are rewritten.
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

  /** Every record of the state, by key. */
  public static Map<ResourceKey, byte[]> all(ReplicaState state) {
    ClusterImage image = state.image();
    Map<ResourceKey, byte[]> out = new TreeMap<>((a, b) -> java.util.Arrays.compare(a.toBytes(), b.toBytes()));
    out.put(ResourceKey.META, meta(image));
    image.identities().byId().forEach((id, i) -> out.put(ResourceKey.identity(id), i.toByteArray()));
    for (QuarantinedIdentity q : ImageCodec.quarantine(image)) {
      out.put(ResourceKey.quarantine(q.getId()), q.toByteArray());
    }
    image.nodes().byName().forEach((n, node) -> out.put(ResourceKey.node(n), node.toByteArray()));
    image.endpoints().byName().forEach((n, e) -> out.put(ResourceKey.endpoint(n), e.toByteArray()));
    image.policies().byKey().forEach((key, p) -> {
      int slash = key.indexOf('/'); // PoliciesImage.key: namespace/name, and neither holds a '/'
      out.put(ResourceKey.policy(key.substring(0, slash), key.substring(slash + 1)), p.toByteArray());
    });
    image.services().all().forEach(s -> out.put(ResourceKey.service(s.getNamespace(), s.getName()), s.toByteArray()));
    image.ipam().pools().values().forEach(p -> out.put(ResourceKey.ipamPool(p.getName()), p.toByteArray()));
    image.ipam().allAllocations().forEach(a -> out.put(ResourceKey.ipamAllocation(a.getPool(), a.getCidr()), a.toByteArray()));
    image.members().byId().values().forEach(m -> out.put(ResourceKey.member(m.getId()), m.toByteArray()));
    state.requests().byId().values().forEach(r -> out.put(ResourceKey.request(r.getRequestId()), r.toByteArray()));
    out.put(ResourceKey.REPLICA, replica(state));
    return out;
  }

  /**
   * The writes that bring a store holding {@code before} to the state a whole log entry led to:
   * the records the entry's deltas name (and the meta and replica records, which every entry
   * changes), each written once, as the entry left it.
   */
  public static List<Write> changes(ReplicaState before, CommandApplier.EntryApplied entry) {
    Set<ResourceKey> touched = new LinkedHashSet<>();
    touched.add(ResourceKey.META);
    Set<String> requests = new LinkedHashSet<>();
    for (CommandApplier.Applied applied : entry.commands()) {
      keys(applied.delta(), touched);
      requests.addAll(applied.window().evicted());
      if (applied.window().recorded() != null) {
        requests.add(applied.window().recorded().getRequestId());
      }
    }
    ReplicaState after = entry.state();
    List<Write> writes = new ArrayList<>(touched.size() + requests.size() + 1);
    for (ResourceKey k : touched) {
      writes.add(new Write(k, valueOf(after.image(), k)));
    }
    for (String id : requests) {
      writes.add(new Write(ResourceKey.request(id), after.requests().get(id).map(RecordedRequest::toByteArray).orElse(null)));
    }
    // Every entry advances the cluster clock.
    writes.add(new Write(ResourceKey.REPLICA, replica(after)));
    return writes;
  }

  /** The writes that bring a store holding {@code before} to the state {@code applied} led to. */
  public static List<Write> changes(ReplicaState before, CommandApplier.Applied applied) {
    ClusterImage after = applied.image();
    Set<ResourceKey> touched = new LinkedHashSet<>();
    touched.add(ResourceKey.META);
    keys(applied.delta(), touched);
    List<Write> writes = new ArrayList<>(touched.size() + applied.window().evicted().size() + 2);
    for (ResourceKey k : touched) {
      writes.add(new Write(k, valueOf(after, k)));
    }
    // Deletes before the put: an expired record may leave and come back under the same id.
    RequestWindow.Delta window = applied.window();
    for (String id : window.evicted()) {
      writes.add(new Write(ResourceKey.request(id), null));
    }
    if (window.recorded() != null) {
      writes.add(new Write(ResourceKey.request(window.recorded().getRequestId()), window.recorded().toByteArray()));
    }
    writes.add(new Write(ResourceKey.REPLICA, replica(applied.state())));
    return writes;
  }

  /** The storage keys of every resource whose value {@code delta} changed. */
  private static void keys(ClusterDelta delta, Set<ResourceKey> out) {
    // Policies and services are keyed namespace/name, IPAM allocations pool/cidr, as in the store.
    changed(delta.identities(), ResourceKey::identity, out);
    changed(delta.quarantine(), ResourceKey::quarantine, out);
    changed(delta.nodes(), ResourceKey::node, out);
    changed(delta.endpoints(), ResourceKey::endpoint, out);
    changed(delta.policies(), k -> new ResourceKey(ResourceKey.Kind.POLICY, k), out);
    changed(delta.services(), k -> new ResourceKey(ResourceKey.Kind.SERVICE, k), out);
    changed(delta.ipamPools(), ResourceKey::ipamPool, out);
    changed(delta.ipamAllocations(), k -> new ResourceKey(ResourceKey.Kind.IPAM_ALLOCATION, k), out);
    changed(delta.members(), ResourceKey::member, out);
  }

  /** Adds the storage key of each key of {@code d} whose value differs before and after (most kinds are untouched). */
  private static <K> void changed(ResourceDelta<K, ?> d, Function<K, ResourceKey> key, Set<ResourceKey> out) {
    if (d.isEmpty()) {
      return;
    }
    for (K k : d.keys()) {
      if (!d.before(k).equals(d.after(k))) {
        out.add(key.apply(k));
      }
    }
  }

  /** Rebuilds the state from every record of a store. */
  public static ReplicaState load(Map<ResourceKey, byte[]> records) {
    try {
      byte[] meta = records.get(ResourceKey.META);
      if (meta == null) {
        return ReplicaState.EMPTY;
      }
      ClusterState.Builder state = ClusterState.parseFrom(meta).toBuilder();
      ReplicaRecord replica = ReplicaRecord.getDefaultInstance();
      List<RecordedRequest> requests = new ArrayList<>();
      for (Map.Entry<ResourceKey, byte[]> r : records.entrySet()) {
        byte[] v = r.getValue();
        switch (r.getKey().kind()) {
          case META -> { }
          case IDENTITY -> state.addIdentities(Identity.parseFrom(v));
          case NODE -> state.addNodes(Node.parseFrom(v));
          case ENDPOINT -> state.addEndpoints(Endpoint.parseFrom(v));
          case POLICY -> state.addPolicies(Policy.parseFrom(v));
          case QUARANTINE -> state.addQuarantine(QuarantinedIdentity.parseFrom(v));
          case SERVICE -> state.addServices(Service.parseFrom(v));
          case IPAM_POOL -> state.addIpamPools(IpamPool.parseFrom(v));
          case IPAM_ALLOCATION -> state.addIpamAllocations(IpamAllocation.parseFrom(v));
          case MEMBER -> state.addMembers(ControllerMember.parseFrom(v));
          case REQUEST -> requests.add(RecordedRequest.parseFrom(v));
          case REPLICA -> replica = ReplicaRecord.parseFrom(v);
        }
      }
      RequestWindow window = RequestWindow.EMPTY;
      // Recorded in (log index, position) order: the window keeps them in that order.
      requests.sort(Comparator.comparingLong(RecordedRequest::getLogIndex).thenComparingInt(RecordedRequest::getPosition));
      for (RecordedRequest r : requests) {
        window = window.with(r);
      }
      ClusterClock clock = new ClusterClock(replica.getClockTerm(), replica.getClockMonotonicMillis(), replica.getClockNowMillis());
      return new ReplicaState(ImageCodec.fromState(state.build()), window, clock, replica.getClusterUuid());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored resource is corrupt", e);
    }
  }

  /** The replica record of {@code state}: its cluster clock and cluster id. */
  private static byte[] replica(ReplicaState state) {
    return ImageCodec.replicaRecord(state).toByteArray();
  }

  private static byte[] meta(ClusterImage image) {
    return ClusterState.newBuilder()
        .setRevision(image.revision())
        .setConfig(image.config())
        .setNextEndpointId(image.endpoints().nextEndpointId())
        .setNextIdentity(image.identities().nextId())
        .setNextLocalIdentity(image.identities().nextLocalId())
        .setNextServiceId(image.services().nextId())
        .build()
        .toByteArray();
  }

  private static byte[] valueOf(ClusterImage image, ResourceKey k) {
    String id = k.id();
    return switch (k.kind()) {
      case META -> meta(image);
      case IDENTITY -> image.identities().get(Integer.parseInt(id)).map(Identity::toByteArray).orElse(null);
      case QUARANTINE -> {
        Long at = image.identities().quarantine().getOrNull(Integer.parseInt(id));
        yield at == null ? null : QuarantinedIdentity.newBuilder().setId(Integer.parseInt(id)).setReleasedMillis(at).build().toByteArray();
      }
      case NODE -> image.nodes().get(id).map(Node::toByteArray).orElse(null);
      case ENDPOINT -> image.endpoints().get(id).map(Endpoint::toByteArray).orElse(null);
      case POLICY -> {
        int slash = id.indexOf('/');
        yield image.policies().stored(id.substring(0, slash), id.substring(slash + 1)).map(StoredPolicy::toByteArray).orElse(null);
      }
      case SERVICE -> {
        int slash = id.indexOf('/');
        yield image.services().get(id.substring(0, slash), id.substring(slash + 1)).map(Service::toByteArray).orElse(null);
      }
      case IPAM_POOL -> image.ipam().pools().get(id).map(IpamPool::toByteArray).orElse(null);
      case IPAM_ALLOCATION -> {
        int slash = id.indexOf('/');
        yield image.ipam().allocation(id.substring(0, slash), Cidr.parse(id.substring(slash + 1), "cidr"))
            .map(IpamAllocation::toByteArray).orElse(null);
      }
      case MEMBER -> image.members().get(id).map(ControllerMember::toByteArray).orElse(null);
      case REQUEST, REPLICA -> throw new IllegalArgumentException(k.kind() + " records are written from the replica state");
    };
  }
}
