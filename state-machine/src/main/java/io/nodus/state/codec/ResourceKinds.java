package io.nodus.state.codec;

import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.ResourceKind;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which resource kinds an event belongs to, and the part of a state a kind-filtered watch sees.
 * An event belongs to every kind whose stored records it changes, so a watcher of one kind can
 * keep those records exactly (creating an endpoint moves its identity's reference count: it is an
 * ENDPOINT and an IDENTITY event; registering a node takes a pod CIDR: NODE and IPAM).
 */
public final class ResourceKinds {
  private ResourceKinds() {}

  /** The kinds {@code event} changes. */
  public static Set<ResourceKind> of(Event event) {
    Set<ResourceKind> kinds = EnumSet.noneOf(ResourceKind.class);
    if (event.hasClusterConfigured()) {
      kinds.add(ResourceKind.KIND_CLUSTER);
    }
    for (ResourceKey k : ImageResources.touchedBy(event)) {
      kinds.add(of(k.kind()));
    }
    return kinds;
  }

  /** Whether a watcher of {@code kinds} (empty: every kind) is sent {@code event}. */
  public static boolean matches(Event event, Collection<ResourceKind> kinds) {
    if (kinds.isEmpty()) {
      return true;
    }
    for (ResourceKind k : of(event)) {
      if (kinds.contains(k)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The part of {@code state} a watcher of {@code kinds} gets as its snapshot: the revision, and the
   * lists of the kinds asked for (the configuration for KIND_CLUSTER). Empty kinds: the whole state.
   */
  public static ClusterState filter(ClusterState state, Collection<ResourceKind> kinds) {
    if (kinds.isEmpty()) {
      return state;
    }
    ClusterState.Builder out = ClusterState.newBuilder().setRevision(state.getRevision());
    for (ResourceKind k : kinds) {
      switch (k) {
        case KIND_CLUSTER -> out.setConfig(state.getConfig());
        case KIND_IDENTITY -> out.addAllIdentities(state.getIdentitiesList()).addAllQuarantine(state.getQuarantineList());
        case KIND_NODE -> out.addAllNodes(state.getNodesList());
        case KIND_ENDPOINT -> out.addAllEndpoints(state.getEndpointsList());
        case KIND_POLICY -> out.addAllPolicies(state.getPoliciesList());
        case KIND_SERVICE -> out.addAllServices(state.getServicesList());
        case KIND_IPAM -> out.addAllIpamPools(state.getIpamPoolsList()).addAllIpamAllocations(state.getIpamAllocationsList());
        case KIND_MEMBER -> out.addAllMembers(state.getMembersList());
        case RESOURCE_KIND_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalArgumentException("not a resource kind: " + k);
      }
    }
    return out.build();
  }

  private static ResourceKind of(ResourceKey.Kind kind) {
    return switch (kind) {
      case META -> ResourceKind.KIND_CLUSTER;
      case IDENTITY, QUARANTINE -> ResourceKind.KIND_IDENTITY;
      case NODE -> ResourceKind.KIND_NODE;
      case ENDPOINT -> ResourceKind.KIND_ENDPOINT;
      case POLICY -> ResourceKind.KIND_POLICY;
      case SERVICE -> ResourceKind.KIND_SERVICE;
      case IPAM_POOL, IPAM_ALLOCATION -> ResourceKind.KIND_IPAM;
      case MEMBER -> ResourceKind.KIND_MEMBER;
      case REQUEST, REPLICA -> throw new IllegalArgumentException(kind + " records belong to no resource kind");
    };
  }
}
