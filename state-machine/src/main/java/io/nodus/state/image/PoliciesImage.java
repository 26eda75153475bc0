package io.nodus.state.image;

import io.nodus.state.collect.PersistentHashMap;
import io.nodus.state.proto.Policy;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Policies keyed by {@code namespace/name} (cluster-wide policies have an empty namespace, so
 * their key starts with '/'). A hash map: every upsert looks its policy up (decide, evolve,
 * storage), and a sorted tree of ten thousand policies cost a dozen scattered string comparisons
 * per lookup; {@link #sorted} gives the key order to those who show it.
 */
public record PoliciesImage(PersistentHashMap<String, Policy> byKey) {

  public static final PoliciesImage EMPTY = new PoliciesImage(PersistentHashMap.empty());

  public static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  public Optional<Policy> get(String namespace, String name) {
    return byKey.get(key(namespace, name));
  }

  /** Every policy, in the map's canonical order (the same on every replica, not key order). */
  public Collection<Policy> all() {
    return byKey.values();
  }

  /** Every policy, by namespace then name. */
  public List<Policy> sorted() {
    return byKey.valuesInKeyOrder();
  }

  public PoliciesImage with(Policy policy) {
    return new PoliciesImage(byKey.put(key(policy.getNamespace(), policy.getName()), policy));
  }

  public PoliciesImage without(String namespace, String name) {
    return new PoliciesImage(byKey.remove(key(namespace, name)));
  }
}
