package io.nodus.state.collect;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * An immutable sorted map with structural sharing: {@link #put} and {@link #remove} return a new
 * map in O(log n) that shares every untouched subtree with the old one. Images of the cluster
 * state are trees of these, so applying one event copies a handful of nodes instead of a whole
 * map, and readers keep a consistent view while the apply thread moves on.
 *
 * <p>An AVL tree with path copying. Iteration is in key order, which makes serialization and
 * hashing of images deterministic. Instances are immutable and safe to share between threads.
 *
 * @param <K> key type; its natural order must be consistent with equals
 * @param <V> value type; never null
 */
public final class PersistentSortedMap<K extends Comparable<K>, V> implements Iterable<Map.Entry<K, V>> {

  private static final PersistentSortedMap<?, ?> EMPTY = new PersistentSortedMap<>(null);

  private final Node<K, V> root;

  private PersistentSortedMap(Node<K, V> root) {
    this.root = root;
  }

  @SuppressWarnings("unchecked")
  public static <K extends Comparable<K>, V> PersistentSortedMap<K, V> empty() {
    return (PersistentSortedMap<K, V>) EMPTY;
  }

  public static <K extends Comparable<K>, V> PersistentSortedMap<K, V> copyOf(Map<K, V> source) {
    PersistentSortedMap<K, V> map = empty();
    for (Map.Entry<K, V> e : source.entrySet()) {
      map = map.put(e.getKey(), e.getValue());
    }
    return map;
  }

  public int size() {
    return root == null ? 0 : root.size;
  }

  public boolean isEmpty() {
    return root == null;
  }

  public Optional<V> get(K key) {
    return Optional.ofNullable(getOrNull(key));
  }

  public V getOrNull(K key) {
    Objects.requireNonNull(key, "key");
    Node<K, V> n = root;
    while (n != null) {
      int c = key.compareTo(n.key);
      if (c == 0) {
        return n.value;
      }
      n = c < 0 ? n.left : n.right;
    }
    return null;
  }

  public boolean containsKey(K key) {
    return getOrNull(key) != null;
  }

  /** Returns a map with {@code key} bound to {@code value}; returns this map if nothing changes. */
  public PersistentSortedMap<K, V> put(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Node<K, V> updated = insert(root, key, value);
    return updated == root ? this : new PersistentSortedMap<>(updated);
  }

  /** Returns a map without {@code key}; returns this map if the key is absent. */
  public PersistentSortedMap<K, V> remove(K key) {
    Objects.requireNonNull(key, "key");
    Node<K, V> updated = delete(root, key);
    return updated == root ? this : new PersistentSortedMap<>(updated);
  }

  /** The smallest key that is greater than or equal to {@code key}, if any. */
  public Optional<K> ceilingKey(K key) {
    Node<K, V> n = root;
    K best = null;
    while (n != null) {
      int c = key.compareTo(n.key);
      if (c == 0) {
        return Optional.of(n.key);
      }
      if (c < 0) {
        best = n.key;
        n = n.left;
      } else {
        n = n.right;
      }
    }
    return Optional.ofNullable(best);
  }

  /** The entry with the smallest key, or null when the map is empty. */
  public Map.Entry<K, V> firstOrNull() {
    Node<K, V> n = root;
    if (n == null) {
      return null;
    }
    while (n.left != null) {
      n = n.left;
    }
    return n;
  }

  public List<V> values() {
    List<V> out = new ArrayList<>(size());
    forEach((k, v) -> out.add(v));
    return out;
  }

  public List<K> keys() {
    List<K> out = new ArrayList<>(size());
    forEach((k, v) -> out.add(k));
    return out;
  }

  public void forEach(BiConsumer<? super K, ? super V> action) {
    for (Map.Entry<K, V> e : this) {
      action.accept(e.getKey(), e.getValue());
    }
  }

  @Override
  public Iterator<Map.Entry<K, V>> iterator() {
    return new InOrder<>(root);
  }

  /**
   * Entries whose key is greater than {@code key}, in key order; every entry when {@code key} is
   * null. Finding the start costs O(log n) and each step amortized O(1), so a page read from the
   * middle of a large map touches only the page and one path of the tree.
   */
  public Iterator<Map.Entry<K, V>> entriesAfter(K key) {
    InOrder<K, V> it = new InOrder<>(null);
    if (key == null) {
      it.pushLeft(root);
      return it;
    }
    // The stack holds exactly the ancestors still to visit: the nodes where the search went left.
    Node<K, V> n = root;
    while (n != null) {
      if (key.compareTo(n.key) < 0) {
        it.stack.push(n);
        n = n.left;
      } else {
        n = n.right;
      }
    }
    return it;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PersistentSortedMap<?, ?> other) || other.size() != size()) {
      return false;
    }
    Iterator<? extends Map.Entry<?, ?>> a = iterator();
    Iterator<? extends Map.Entry<?, ?>> b = other.iterator();
    while (a.hasNext()) {
      if (!a.next().equals(b.next())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (Map.Entry<K, V> e : this) {
      h = 31 * h + e.hashCode();
    }
    return h;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<K, V> e : this) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(e.getKey()).append('=').append(e.getValue());
    }
    return sb.append('}').toString();
  }

  // --- AVL internals. Nodes are immutable; every change rebuilds the path from the root. ---

  private static final class Node<K, V> implements Map.Entry<K, V> {
    final K key;
    final V value;
    final Node<K, V> left;
    final Node<K, V> right;
    final int height;
    final int size;

    Node(K key, V value, Node<K, V> left, Node<K, V> right) {
      this.key = key;
      this.value = value;
      this.left = left;
      this.right = right;
      this.height = 1 + Math.max(height(left), height(right));
      this.size = 1 + size(left) + size(right);
    }

    @Override
    public K getKey() {
      return key;
    }

    @Override
    public V getValue() {
      return value;
    }

    @Override
    public V setValue(V v) {
      throw new UnsupportedOperationException("immutable");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Map.Entry<?, ?> e && key.equals(e.getKey()) && value.equals(e.getValue());
    }

    @Override
    public int hashCode() {
      return key.hashCode() ^ value.hashCode();
    }

    @Override
    public String toString() {
      return key + "=" + value;
    }
  }

  private static int height(Node<?, ?> n) {
    return n == null ? 0 : n.height;
  }

  private static int size(Node<?, ?> n) {
    return n == null ? 0 : n.size;
  }

  private static <K extends Comparable<K>, V> Node<K, V> insert(Node<K, V> n, K key, V value) {
    if (n == null) {
      return new Node<>(key, value, null, null);
    }
    int c = key.compareTo(n.key);
    if (c == 0) {
      return n.value.equals(value) ? n : new Node<>(key, value, n.left, n.right);
    }
    if (c < 0) {
      Node<K, V> l = insert(n.left, key, value);
      return l == n.left ? n : balance(n.key, n.value, l, n.right);
    }
    Node<K, V> r = insert(n.right, key, value);
    return r == n.right ? n : balance(n.key, n.value, n.left, r);
  }

  private static <K extends Comparable<K>, V> Node<K, V> delete(Node<K, V> n, K key) {
    if (n == null) {
      return null;
    }
    int c = key.compareTo(n.key);
    if (c < 0) {
      Node<K, V> l = delete(n.left, key);
      return l == n.left ? n : balance(n.key, n.value, l, n.right);
    }
    if (c > 0) {
      Node<K, V> r = delete(n.right, key);
      return r == n.right ? n : balance(n.key, n.value, n.left, r);
    }
    if (n.left == null) {
      return n.right;
    }
    if (n.right == null) {
      return n.left;
    }
    Node<K, V> min = n.right;
    while (min.left != null) {
      min = min.left;
    }
    return balance(min.key, min.value, n.left, deleteMin(n.right));
  }

  private static <K, V> Node<K, V> deleteMin(Node<K, V> n) {
    if (n.left == null) {
      return n.right;
    }
    return balance(n.key, n.value, deleteMin(n.left), n.right);
  }

  private static <K, V> Node<K, V> balance(K key, V value, Node<K, V> l, Node<K, V> r) {
    int diff = height(l) - height(r);
    if (diff > 1) {
      if (height(l.left) >= height(l.right)) {
        return new Node<>(l.key, l.value, l.left, new Node<>(key, value, l.right, r));
      }
      Node<K, V> lr = l.right;
      return new Node<>(lr.key, lr.value,
          new Node<>(l.key, l.value, l.left, lr.left),
          new Node<>(key, value, lr.right, r));
    }
    if (diff < -1) {
      if (height(r.right) >= height(r.left)) {
        return new Node<>(r.key, r.value, new Node<>(key, value, l, r.left), r.right);
      }
      Node<K, V> rl = r.left;
      return new Node<>(rl.key, rl.value,
          new Node<>(key, value, l, rl.left),
          new Node<>(r.key, r.value, rl.right, r.right));
    }
    return new Node<>(key, value, l, r);
  }

  private static final class InOrder<K, V> implements Iterator<Map.Entry<K, V>> {
    private final Deque<Node<K, V>> stack = new ArrayDeque<>();

    InOrder(Node<K, V> root) {
      pushLeft(root);
    }

    private void pushLeft(Node<K, V> n) {
      while (n != null) {
        stack.push(n);
        n = n.left;
      }
    }

    @Override
    public boolean hasNext() {
      return !stack.isEmpty();
    }

    @Override
    public Map.Entry<K, V> next() {
      if (stack.isEmpty()) {
        throw new NoSuchElementException();
      }
      Node<K, V> n = stack.pop();
      pushLeft(n.right);
      return n;
    }
  }

  /** For tests: checks the AVL and ordering invariants, throwing if one is broken. */
  void checkInvariants() {
    check(root, null, null);
  }

  private static <K extends Comparable<K>, V> void check(Node<K, V> n, K lo, K hi) {
    if (n == null) {
      return;
    }
    if ((lo != null && n.key.compareTo(lo) <= 0) || (hi != null && n.key.compareTo(hi) >= 0)) {
      throw new IllegalStateException("order violated at " + n.key);
    }
    if (Math.abs(height(n.left) - height(n.right)) > 1) {
      throw new IllegalStateException("unbalanced at " + n.key);
    }
    check(n.left, lo, n.key);
    check(n.right, n.key, hi);
  }
}
