package io.nodus.state.collect;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
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

  private static final int BITS = 5;
  /** Shift from which two keys can only be told apart by equals: all 32 hash bits are used. */
  private static final int HASH_BITS = 32;

  private static final PersistentHashMap<?, ?> EMPTY = new PersistentHashMap<>(BitmapNode.EMPTY, 0);

  private final Node root;
  private final int size;

  private PersistentHashMap(Node root, int size) {
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
    SizeChange change = new SizeChange();
    Node updated = root.put(key, value, key.hashCode(), 0, change);
    return updated == root ? this : new PersistentHashMap<>(updated, size + change.delta);
  }

  /** Returns a map without {@code key}; returns this map if the key is absent. */
  public PersistentHashMap<K, V> remove(K key) {
    Objects.requireNonNull(key, "key");
    Node updated = root.remove(key, key.hashCode(), 0);
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
    return new Entries<>(root);
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

  // --- Trie internals. Nodes are immutable; keys and values are held untyped in their arrays. ---

  /** How many entries a put added: 1 for a new key, 0 for a replaced value. */
  private static final class SizeChange {
    int delta;
  }

  private abstract static sealed class Node permits BitmapNode, CollisionNode {
    abstract Object get(Object key, int hash, int shift);

    abstract Node put(Object key, Object value, int hash, int shift, SizeChange change);

    /** The node without {@code key}: this node if it is absent. */
    abstract Node remove(Object key, int hash, int shift);

    /** Whether the node holds exactly one entry and no sub-nodes: its parent then holds the entry itself. */
    abstract boolean isSingleton();

    /** The entries of a node, at {@code 2i} (key) and {@code 2i + 1} (value), then any sub-nodes. */
    abstract Object[] content();

    abstract int entryCount();

    abstract int nodeCount();

    abstract Node nodeAt(int i);

    abstract void forEach(BiConsumer<Object, Object> action);
  }

  /**
   * A trie node: bit {@code f} of {@code dataMap} says that an entry whose hash fragment is
   * {@code f} sits here, bit {@code f} of {@code nodeMap} that a sub-node holds such entries.
   * {@code content} holds the entries' keys and values by fragment, then the sub-nodes by fragment.
   */
  private static final class BitmapNode extends Node {
    static final BitmapNode EMPTY = new BitmapNode(0, 0, new Object[0]);

    final int dataMap;
    final int nodeMap;
    final Object[] content;

    BitmapNode(int dataMap, int nodeMap, Object[] content) {
      this.dataMap = dataMap;
      this.nodeMap = nodeMap;
      this.content = content;
    }

    private static int bit(int hash, int shift) {
      return 1 << ((hash >>> shift) & 31);
    }

    private int dataIndex(int bit) {
      return Integer.bitCount(dataMap & (bit - 1));
    }

    private int nodeSlot(int bit) {
      return 2 * Integer.bitCount(dataMap) + Integer.bitCount(nodeMap & (bit - 1));
    }

    @Override
    Object get(Object key, int hash, int shift) {
      BitmapNode n = this;
      while (true) {
        int bit = bit(hash, shift);
        if ((n.dataMap & bit) != 0) {
          int i = 2 * n.dataIndex(bit);
          return key.equals(n.content[i]) ? n.content[i + 1] : null;
        }
        if ((n.nodeMap & bit) == 0) {
          return null;
        }
        Node sub = (Node) n.content[n.nodeSlot(bit)];
        if (!(sub instanceof BitmapNode b)) {
          return sub.get(key, hash, shift + BITS);
        }
        n = b;
        shift += BITS;
      }
    }

    @Override
    Node put(Object key, Object value, int hash, int shift, SizeChange change) {
      int bit = bit(hash, shift);
      if ((dataMap & bit) != 0) {
        int i = 2 * dataIndex(bit);
        Object k = content[i];
        if (key.equals(k)) {
          if (value.equals(content[i + 1])) {
            return this;
          }
          Object[] c = content.clone();
          c[i + 1] = value;
          return new BitmapNode(dataMap, nodeMap, c);
        }
        // Two keys share this fragment: both move down into a new sub-node.
        change.delta = 1;
        Node sub = pair(k, content[i + 1], k.hashCode(), key, value, hash, shift + BITS);
        return withEntryMovedDown(bit, i, sub);
      }
      if ((nodeMap & bit) != 0) {
        int slot = nodeSlot(bit);
        Node sub = (Node) content[slot];
        Node updated = sub.put(key, value, hash, shift + BITS, change);
        if (updated == sub) {
          return this;
        }
        Object[] c = content.clone();
        c[slot] = updated;
        return new BitmapNode(dataMap, nodeMap, c);
      }
      change.delta = 1;
      int i = 2 * dataIndex(bit);
      Object[] c = new Object[content.length + 2];
      System.arraycopy(content, 0, c, 0, i);
      c[i] = key;
      c[i + 1] = value;
      System.arraycopy(content, i, c, i + 2, content.length - i);
      return new BitmapNode(dataMap | bit, nodeMap, c);
    }

    @Override
    Node remove(Object key, int hash, int shift) {
      int bit = bit(hash, shift);
      if ((dataMap & bit) != 0) {
        int i = 2 * dataIndex(bit);
        if (!key.equals(content[i])) {
          return this;
        }
        Object[] c = new Object[content.length - 2];
        System.arraycopy(content, 0, c, 0, i);
        System.arraycopy(content, i + 2, c, i, content.length - i - 2);
        return new BitmapNode(dataMap ^ bit, nodeMap, c);
      }
      if ((nodeMap & bit) == 0) {
        return this;
      }
      int slot = nodeSlot(bit);
      Node sub = (Node) content[slot];
      Node updated = sub.remove(key, hash, shift + BITS);
      if (updated == sub) {
        return this;
      }
      if (!updated.isSingleton()) {
        Object[] c = content.clone();
        c[slot] = updated;
        return new BitmapNode(dataMap, nodeMap, c);
      }
      // Canonical form: a sub-node with one entry left becomes an entry of this node.
      Object[] single = updated.content();
      int i = 2 * dataIndex(bit);
      Object[] c = new Object[content.length + 1];
      System.arraycopy(content, 0, c, 0, i);
      c[i] = single[0];
      c[i + 1] = single[1];
      System.arraycopy(content, i, c, i + 2, slot - i);
      System.arraycopy(content, slot + 1, c, slot + 2, content.length - slot - 1);
      return new BitmapNode(dataMap | bit, nodeMap ^ bit, c);
    }

    /** This node with the entry at {@code i} (fragment {@code bit}) replaced by sub-node {@code sub}. */
    private BitmapNode withEntryMovedDown(int bit, int i, Node sub) {
      int slot = nodeSlot(bit) - 2;
      Object[] c = new Object[content.length - 1];
      System.arraycopy(content, 0, c, 0, i);
      System.arraycopy(content, i + 2, c, i, slot - i);
      c[slot] = sub;
      System.arraycopy(content, slot + 2, c, slot + 1, content.length - slot - 2);
      return new BitmapNode(dataMap ^ bit, nodeMap | bit, c);
    }

    @Override
    boolean isSingleton() {
      return nodeMap == 0 && Integer.bitCount(dataMap) == 1;
    }

    @Override
    Object[] content() {
      return content;
    }

    @Override
    int entryCount() {
      return Integer.bitCount(dataMap);
    }

    @Override
    int nodeCount() {
      return Integer.bitCount(nodeMap);
    }

    @Override
    Node nodeAt(int i) {
      return (Node) content[2 * Integer.bitCount(dataMap) + i];
    }

    @Override
    void forEach(BiConsumer<Object, Object> action) {
      int entries = 2 * Integer.bitCount(dataMap);
      for (int i = 0; i < entries; i += 2) {
        action.accept(content[i], content[i + 1]);
      }
      for (int i = entries; i < content.length; i++) {
        ((Node) content[i]).forEach(action);
      }
    }
  }

  /** Keys whose hashes are equal in all 32 bits, in key order so that the order is canonical. */
  private static final class CollisionNode extends Node {
    final int hash;
    final Object[] content;

    CollisionNode(int hash, Object[] content) {
      this.hash = hash;
      this.content = content;
    }

    private int indexOf(Object key) {
      for (int i = 0; i < content.length; i += 2) {
        if (key.equals(content[i])) {
          return i;
        }
      }
      return -1;
    }

    @Override
    Object get(Object key, int hash, int shift) {
      int i = hash == this.hash ? indexOf(key) : -1;
      return i < 0 ? null : content[i + 1];
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    Node put(Object key, Object value, int hash, int shift, SizeChange change) {
      // Only keys of this hash reach here: a parent routes by all 32 bits.
      int i = indexOf(key);
      if (i >= 0) {
        if (value.equals(content[i + 1])) {
          return this;
        }
        Object[] c = content.clone();
        c[i + 1] = value;
        return new CollisionNode(hash, c);
      }
      change.delta = 1;
      int at = 0;
      while (at < content.length && ((Comparable) content[at]).compareTo(key) < 0) {
        at += 2;
      }
      Object[] c = new Object[content.length + 2];
      System.arraycopy(content, 0, c, 0, at);
      c[at] = key;
      c[at + 1] = value;
      System.arraycopy(content, at, c, at + 2, content.length - at);
      return new CollisionNode(hash, c);
    }

    @Override
    Node remove(Object key, int hash, int shift) {
      int i = hash == this.hash ? indexOf(key) : -1;
      if (i < 0) {
        return this;
      }
      Object[] c = new Object[content.length - 2];
      System.arraycopy(content, 0, c, 0, i);
      System.arraycopy(content, i + 2, c, i, content.length - i - 2);
      return new CollisionNode(hash, c);
    }

    @Override
    boolean isSingleton() {
      return content.length == 2;
    }

    @Override
    Object[] content() {
      return content;
    }

    @Override
    int entryCount() {
      return content.length / 2;
    }

    @Override
    int nodeCount() {
      return 0;
    }

    @Override
    Node nodeAt(int i) {
      throw new IndexOutOfBoundsException(i);
    }

    @Override
    void forEach(BiConsumer<Object, Object> action) {
      for (int i = 0; i < content.length; i += 2) {
        action.accept(content[i], content[i + 1]);
      }
    }
  }

  /** A node holding two entries whose hashes agree below {@code shift}. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Node pair(Object k1, Object v1, int h1, Object k2, Object v2, int h2, int shift) {
    if (shift >= HASH_BITS) {
      boolean firstIsLower = ((Comparable) k1).compareTo(k2) < 0;
      return new CollisionNode(h1, firstIsLower ? new Object[] {k1, v1, k2, v2} : new Object[] {k2, v2, k1, v1});
    }
    int f1 = (h1 >>> shift) & 31;
    int f2 = (h2 >>> shift) & 31;
    if (f1 == f2) {
      return new BitmapNode(0, 1 << f1, new Object[] {pair(k1, v1, h1, k2, v2, h2, shift + BITS)});
    }
    return new BitmapNode((1 << f1) | (1 << f2), 0,
        f1 < f2 ? new Object[] {k1, v1, k2, v2} : new Object[] {k2, v2, k1, v1});
  }

  /** Depth-first over the trie: a node's own entries, then its sub-nodes, by fragment. */
  private static final class Entries<K, V> implements Iterator<Map.Entry<K, V>> {
    /** The trie is at most 8 levels deep: 7 of bitmap nodes and one of collisions. */
    private final Node[] nodes = new Node[HASH_BITS / BITS + 2];
    private final int[] nextNode = new int[nodes.length];
    private int depth;
    private Object[] entries;
    private int nextEntry;
    private int entryEnd;

    Entries(Node root) {
      enter(root);
      advance();
    }

    private void enter(Node n) {
      nodes[depth] = n;
      nextNode[depth] = 0;
      entries = n.content();
      nextEntry = 0;
      entryEnd = 2 * n.entryCount();
    }

    /** Moves to the next node with entries, if the current one has none left. */
    private void advance() {
      while (nextEntry >= entryEnd && depth >= 0) {
        Node n = nodes[depth];
        if (nextNode[depth] < n.nodeCount()) {
          Node sub = n.nodeAt(nextNode[depth]++);
          depth++;
          enter(sub);
        } else {
          depth--;
        }
      }
    }

    @Override
    public boolean hasNext() {
      return nextEntry < entryEnd;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map.Entry<K, V> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Map.Entry<K, V> e = Map.entry((K) entries[nextEntry], (V) entries[nextEntry + 1]);
      nextEntry += 2;
      advance();
      return e;
    }
  }

  /** For tests: checks that the trie is canonical and its size is right, throwing if not. */
  void checkInvariants() {
    int[] count = {0};
    check(root, 0, true, count);
    if (count[0] != size) {
      throw new IllegalStateException("size " + size + " but " + count[0] + " entries");
    }
  }

  private static void check(Node n, int shift, boolean isRoot, int[] count) {
    if (!isRoot && (n.isSingleton() || n.entryCount() + n.nodeCount() == 0)) {
      throw new IllegalStateException("non-canonical sub-node at shift " + shift + ": " + Arrays.toString(n.content()));
    }
    count[0] += n.entryCount();
    if (n instanceof CollisionNode c) {
      if (shift < HASH_BITS) {
        throw new IllegalStateException("collision node above the last level");
      }
      for (int i = 0; i < c.content.length; i += 2) {
        if (c.content[i].hashCode() != c.hash || (i > 0 && ((Comparable) c.content[i - 2]).compareTo(c.content[i]) >= 0)) {
          throw new IllegalStateException("collision node out of order or of mixed hashes");
        }
      }
      return;
    }
    for (int i = 0; i < n.nodeCount(); i++) {
      check(n.nodeAt(i), shift + BITS, false, count);
    }
  }
}
