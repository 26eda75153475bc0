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

  /** The kinds {@code event} changes, as the delta that applied it stamped them. */
  public static Set<ResourceKind> of(Event event) {
    return event.getKindsCount() == 0 ? EnumSet.noneOf(ResourceKind.class) : EnumSet.copyOf(event.getKindsList());
  }

  /** Whether a watcher of {@code kinds} (empty: every kind) is sent {@code event}. */
  public static boolean matches(Event event, Collection<ResourceKind> kinds) {
    if (kinds.isEmpty()) {
      return true;
    }
    for (ResourceKind k : event.getKindsList()) {
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
}
