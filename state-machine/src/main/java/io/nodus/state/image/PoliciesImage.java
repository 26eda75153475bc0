package io.nodus.state.image;

import io.nodus.state.collect.PersistentHashMap;
import io.nodus.state.collect.PersistentSortedMap;
import io.nodus.state.model.Cidr;
import io.nodus.state.proto.Policy;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Policies keyed by {@code namespace/name} (cluster-wide policies have an empty namespace, so
 * their key starts with '/'), each kept encoded ({@link StoredPolicy}). A hash map: every upsert
 * looks its policy up (decide, evolve, storage), and a sorted tree of ten thousand policies cost a
 * dozen scattered string comparisons per lookup.
 *
 * <p>Beside it, the keys alone in a sorted tree ({@code keyOrder}), for those who show policies in
 * key order and for paged reads, which start after a key. It changes only when a policy is created
 * or deleted: an upsert of an existing policy, the steady state of a cluster, leaves it as it is.
 *
 * @param byKey every policy, by key
 * @param keyOrder the keys of {@code byKey}, sorted (the values mean nothing)
 */
public record PoliciesImage(PersistentHashMap<String, StoredPolicy> byKey, PersistentSortedMap<String, Boolean> keyOrder) {

  public static final PoliciesImage EMPTY = new PoliciesImage(PersistentHashMap.empty(), PersistentSortedMap.empty());

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

  /** The policy with key {@code key} ({@link #key}), or null. */
  public StoredPolicy storedOrNull(String key) {
    return byKey.getOrNull(key);
  }

  public int size() {
    return byKey.size();
  }

  /** Every policy, in the map's canonical order (the same on every replica, not key order). */
  public List<Policy> all() {
    return parsed(byKey.values());
  }

  /** Every policy, by key: namespace, '/', name. */
  public List<Policy> sorted() {
    List<StoredPolicy> out = new ArrayList<>(byKey.size());
    keyOrder.forEach((k, ignored) -> out.add(byKey.getOrNull(k)));
    return parsed(out);
  }

  /**
   * The policies whose key is greater than {@code key} (every policy when null), in key order, as
   * (key, policy) pairs; each step looks one key up in the hash map.
   */
  public Iterator<Map.Entry<String, StoredPolicy>> after(String key) {
    return new InKeyOrder<>(keyOrder.entriesAfter(key), byKey);
  }

  /**
   * Adds or replaces {@code policy}.
   *
   * @param prefixes the CIDR prefixes it references
   */
  public PoliciesImage with(Policy policy, Set<Cidr> prefixes) {
    String key = key(policy.getNamespace(), policy.getName());
    PersistentHashMap<String, StoredPolicy> next = byKey.put(key, StoredPolicy.of(policy, prefixes));
    // Only a new key changes the order.
    return new PoliciesImage(next, next.size() > byKey.size() ? keyOrder.put(key, Boolean.TRUE) : keyOrder);
  }

  public PoliciesImage without(String namespace, String name) {
    String key = key(namespace, name);
    PersistentHashMap<String, StoredPolicy> next = byKey.remove(key);
    return next == byKey ? this : new PoliciesImage(next, keyOrder.remove(key));
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
