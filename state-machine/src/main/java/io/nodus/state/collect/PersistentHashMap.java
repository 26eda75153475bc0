package io.nodus.state.collect;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * An immutable hash map with structural sharing, for lookups that need no key order: {@link #put}
 * and {@link #remove} copy at most one short path of 32-way nodes, and {@link #get} follows a few
 * array slots instead of the O(log n) key comparisons and scattered nodes of a sorted tree.
 *
 * <p>A CHAMP trie (Steindorfer and Vinju, "Optimizing Hash-Array Mapped Tries for Fast and Lean
 * Immutable JVM Collections", OOPSLA 2015): each node keeps its entries and its sub-nodes in two
 * bitmap-indexed runs of one array. The trie is canonical: a sub-node left with a single entry is
 * folded into its parent, and keys whose 32-bit hashes are equal are kept in key order. So maps
 * with equal contents have the same shape and iterate in the same order however they were built,
 * and since that order depends only on the keys' {@code hashCode}, every replica iterates alike:
 * keys must have a hash code defined by their value (strings, boxed numbers, records of those),
 * never an identity hash code (enums, plain objects).
 *
 * @param <K> key type; its natural order must be consistent with equals
 * @param <V> value type; never null
 */
public final class PersistentHashMap<K extends Comparable<K>, V> implements Iterable<Map.Entry<K, V>> {

  private static final PersistentHashMap<?, ?> EMPTY = new PersistentHashMap<>(TrieNode.BitmapNode.EMPTY, 0);

  private final TrieNode root;
  private final int size;

  private PersistentHashMap(TrieNode root, int size) {
    this.root = root;
    this.size = size;
  }

  @SuppressWarnings("unchecked")
  public static <K extends Comparable<K>, V> PersistentHashMap<K, V> empty() {
    return (PersistentHashMap<K, V>) EMPTY;
  }

  public static <K extends Comparable<K>, V> PersistentHashMap<K, V> copyOf(Map<K, V> source) {
    PersistentHashMap<K, V> map = empty();
    for (Map.Entry<K, V> e : source.entrySet()) {
      map = map.put(e.getKey(), e.getValue());
    }
    return map;
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  public Optional<V> get(K key) {
    return Optional.ofNullable(getOrNull(key));
  }

  @SuppressWarnings("unchecked")
  public V getOrNull(K key) {
    return (V) root.get(Objects.requireNonNull(key, "key"), key.hashCode(), 0);
  }

  public boolean containsKey(K key) {
    return getOrNull(key) != null;
  }

  /** Returns a map with {@code key} bound to {@code value}; returns this map if nothing changes. */
  public PersistentHashMap<K, V> put(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    TrieNode.SizeChange change = new TrieNode.SizeChange();
    TrieNode updated = root.put(key, value, key.hashCode(), 0, change);
    return updated == root ? this : new PersistentHashMap<>(updated, size + change.delta);
  }

  /** Returns a map without {@code key}; returns this map if the key is absent. */
  public PersistentHashMap<K, V> remove(K key) {
    Objects.requireNonNull(key, "key");
    TrieNode updated = root.remove(key, key.hashCode(), 0);
    return updated == root ? this : new PersistentHashMap<>(updated, size - 1);
  }

  /** Values in iteration order. */
  public List<V> values() {
    List<V> out = new ArrayList<>(size);
    forEach((k, v) -> out.add(v));
    return out;
  }

  /** Values in the natural order of their keys (sorted on each call). */
  public List<V> valuesInKeyOrder() {
    List<Map.Entry<K, V>> entries = new ArrayList<>(size);
    forEach((k, v) -> entries.add(Map.entry(k, v)));
    entries.sort(Map.Entry.comparingByKey());
    return entries.stream().map(Map.Entry::getValue).toList();
  }

  /** Keys in iteration order. */
  public List<K> keys() {
    List<K> out = new ArrayList<>(size);
    forEach((k, v) -> out.add(k));
    return out;
  }

  @SuppressWarnings("unchecked")
  public void forEach(BiConsumer<? super K, ? super V> action) {
    root.forEach((BiConsumer<Object, Object>) action);
  }

  /** Entries in the map's canonical order: by hash fragments, level by level (not key order). */
  @Override
  public Iterator<Map.Entry<K, V>> iterator() {
    return new TrieNode.Entries<>(root);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PersistentHashMap<?, ?> other) || other.size != size) {
      return false;
    }
    // Equal contents mean equal shapes, so the two iterations pair up entry by entry.
    Iterator<? extends Map.Entry<?, ?>> a = iterator();
    Iterator<? extends Map.Entry<?, ?>> b = other.iterator();
    while (a.hasNext()) {
      if (!a.next().equals(b.next())) {
        return false;
      }
    }
    return true;
  }

  /** The sum of the entries' hash codes, as {@link Map#hashCode} defines it. */
  @Override
  public int hashCode() {
    int[] h = {0};
    forEach((k, v) -> h[0] += k.hashCode() ^ v.hashCode());
    return h[0];
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    forEach((k, v) -> {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(k).append('=').append(v);
    });
    return sb.append('}').toString();
  }

  /** For tests: checks that the trie is canonical and its size is right, throwing if not. */
  void checkInvariants() {
    int[] count = {0};
    TrieNode.check(root, 0, true, count);
    if (count[0] != size) {
      throw new IllegalStateException("size " + size + " but " + count[0] + " entries");
    }
  }
}
