package io.nodus.state.policy;

import io.nodus.state.delta.ClusterDelta;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.StoredPolicy;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Identity;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which endpoints' resolved policy a {@link ClusterDelta} can change, from the core's own rules
 * of selection, as Cilium's policy repository returns the affected identities of an update:
 *
 * <ul>
 *   <li>an endpoint created, made ready or deleted: itself;</li>
 *   <li>a policy created, changed or deleted: the endpoints its version before or after selects
 *       ({@link PolicyResolver#selects});</li>
 *   <li>an identity that comes or goes: the owners of the cached selectors whose selection it
 *       moves ({@link SelectorCache#ownersOf}: the selectors each endpoint's last resolution used,
 *       so exactly the endpoints whose peers it can change), and for a CIDR identity the owners of
 *       CIDR rules;</li>
 *   <li>the cluster configuration set: every endpoint (entity selectors read the cluster name).</li>
 * </ul>
 *
 * <p>Keeps {@code cache} in step with the delta's identities as it goes; the caller then resolves
 * the affected endpoints with the same cache and each endpoint as the owner. Pure otherwise;
 * threading: the cache's owner's.
 */
public final class PolicyImpact {
  private PolicyImpact() {}

  /**
   * The names of the endpoints of {@code node} (before or after the delta) whose resolved policy
   * {@code delta} can change; updates {@code cache}'s identities.
   */
  public static Set<String> affected(ClusterDelta delta, String node, SelectorCache cache) {
    ClusterImage after = delta.apply();
    Set<String> out = new TreeSet<>();
    for (Identity i : removedIdentities(delta)) {
      out.addAll(names(cache.ownersOf(cache.remove(i.getId()))));
      if (ReservedIdentity.isLocalScope(i.getId())) {
        out.addAll(names(cache.cidrOwners()));
      }
    }
    for (int id : delta.identities().created()) {
      Identity i = after.identities().get(id).orElseThrow();
      Set<EndpointSelector> moved = cache.add(i);
      out.addAll(names(cache.ownersOf(moved)));
      if (ReservedIdentity.isLocalScope(id)) {
        out.addAll(names(cache.cidrOwners()));
      }
    }
    if (delta.configTouched() && !delta.configBefore().equals(after.config())) {
      after.endpoints().onNode(node).forEach(e -> out.add(e.getName()));
    }
    for (String name : delta.endpoints().keys()) {
      if (local(delta.endpoints().before(name), node) || local(delta.endpoints().after(name), node)) {
        out.add(name);
      }
    }
    for (String key : delta.policies().differing()) {
      Optional<StoredPolicy> was = delta.policies().before(key);
      Optional<StoredPolicy> now = delta.policies().after(key);
      for (Endpoint e : after.endpoints().onNode(node)) {
        if (was.map(p -> PolicyResolver.selects(p.policy(), e.getLabels())).orElse(false)
            || now.map(p -> PolicyResolver.selects(p.policy(), e.getLabels())).orElse(false)) {
          out.add(e.getName());
        }
      }
    }
    // Endpoints gone from the node hold nothing any more.
    for (String name : out) {
      if (!local(after.endpoints().get(name), node)) {
        cache.release(name);
      }
    }
    return out;
  }

  private static Iterable<Identity> removedIdentities(ClusterDelta delta) {
    return delta.identities().removed().stream().map(id -> delta.identities().before(id).orElseThrow()).toList();
  }

  private static boolean local(Optional<Endpoint> e, String node) {
    return e.isPresent() && e.get().getNode().equals(node);
  }

  private static Set<String> names(Set<Object> owners) {
    Set<String> out = new TreeSet<>();
    for (Object o : owners) {
      if (o instanceof String s) {
        out.add(s);
      }
    }
    return out;
  }
}
