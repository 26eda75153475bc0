package io.nodus.state.image;

import io.nodus.state.collect.PersistentSortedMap;
import io.nodus.state.proto.Policy;
import java.util.Collection;
import java.util.Optional;

/**
 * Policies keyed by {@code namespace/name} (cluster-wide policies have an empty namespace, so
 * their key starts with '/').
 */
public record PoliciesImage(PersistentSortedMap<String, Policy> byKey) {

  public static final PoliciesImage EMPTY = new PoliciesImage(PersistentSortedMap.empty());

  public static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  public Optional<Policy> get(String namespace, String name) {
    return byKey.get(key(namespace, name));
  }

  public Collection<Policy> all() {
    return byKey.values();
  }

  public PoliciesImage with(Policy policy) {
    return new PoliciesImage(byKey.put(key(policy.getNamespace(), policy.getName()), policy));
  }

  public PoliciesImage without(String namespace, String name) {
    return new PoliciesImage(byKey.remove(key(namespace, name)));
  }
}
