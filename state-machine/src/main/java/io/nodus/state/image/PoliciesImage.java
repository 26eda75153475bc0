package io.nodus.state.image;

import io.nodus.state.collect.PersistentHashMap;
import io.nodus.state.model.Cidr;
import io.nodus.state.proto.Policy;
import java.util.AbstractList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Policies keyed by {@code namespace/name} (cluster-wide policies have an empty namespace, so
 * their key starts with '/'), each kept encoded ({@link StoredPolicy}). A hash map: every upsert
 * looks its policy up (decide, evolve, storage), and a sorted tree of ten thousand policies cost a
 * dozen scattered string comparisons per lookup; {@link #sorted} gives the key order to those who
 * show it.
 */
public record PoliciesImage(PersistentHashMap<String, StoredPolicy> byKey) {

  public static final PoliciesImage EMPTY = new PoliciesImage(PersistentHashMap.empty());

  public static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  public Optional<Policy> get(String namespace, String name) {
    return stored(namespace, name).map(StoredPolicy::policy);
  }

  /** The policy as kept, for what can be answered without parsing it. */
  public Optional<StoredPolicy> stored(String namespace, String name) {
    return byKey.get(key(namespace, name));
  }

  /** Every policy, in the map's canonical order (the same on every replica, not key order). */
  public List<Policy> all() {
    return parsed(byKey.values());
  }

  /** Every policy, by namespace then name. */
  public List<Policy> sorted() {
    return parsed(byKey.valuesInKeyOrder());
  }

  /**
   * Adds or replaces {@code policy}.
   *
   * @param prefixes the CIDR prefixes it references
   */
  public PoliciesImage with(Policy policy, Set<Cidr> prefixes) {
    return new PoliciesImage(byKey.put(key(policy.getNamespace(), policy.getName()), StoredPolicy.of(policy, prefixes)));
  }

  public PoliciesImage without(String namespace, String name) {
    return new PoliciesImage(byKey.remove(key(namespace, name)));
  }

  /** A view that parses each policy when it is first read. */
  private static List<Policy> parsed(List<StoredPolicy> stored) {
    return new AbstractList<>() {
      @Override
      public Policy get(int index) {
        return stored.get(index).policy();
      }

      @Override
      public int size() {
        return stored.size();
      }
    };
  }
}
