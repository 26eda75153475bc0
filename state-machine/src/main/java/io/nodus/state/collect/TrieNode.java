package io.nodus.state.collect;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.BiConsumer;

/**
 * The nodes of {@link PersistentHashMap}'s CHAMP trie: bitmap-indexed nodes for the first 32 hash
 * bits, collision nodes below them, a depth-first iterator and the canonical-form check. Nodes are
 * immutable; keys and values are held untyped in their arrays.
 */
abstract sealed class TrieNode permits TrieNode.BitmapNode, TrieNode.CollisionNode {
  static final int BITS = 5;
  /** Shift from which two keys can only be told apart by equals: all 32 hash bits are used. */
  static final int HASH_BITS = 32;

  abstract Object get(Object key, int hash, int shift);

  abstract TrieNode put(Object key, Object value, int hash, int shift, SizeChange change);

  /** The node without {@code key}: this node if it is absent. */
  abstract TrieNode remove(Object key, int hash, int shift);

  /** Whether the node holds exactly one entry and no sub-nodes: its parent then holds the entry itself. */
  abstract boolean isSingleton();

  /** The entries of a node, at {@code 2i} (key) and {@code 2i + 1} (value), then any sub-nodes. */
  abstract Object[] content();

  abstract int entryCount();

  abstract int nodeCount();

  abstract TrieNode nodeAt(int i);

  abstract void forEach(BiConsumer<Object, Object> action);

  /** How many entries a put added: 1 for a new key, 0 for a replaced value. */
  static final class SizeChange {
    int delta;
  }

  /**
   * A trie node: bit {@code f} of {@code dataMap} says that an entry whose hash fragment is
   * {@code f} sits here, bit {@code f} of {@code nodeMap} that a sub-node holds such entries.
   * {@code content} holds the entries' keys and values by fragment, then the sub-nodes by fragment.
   */
  static final class BitmapNode extends TrieNode {
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
        TrieNode sub = (TrieNode) n.content[n.nodeSlot(bit)];
        if (!(sub instanceof BitmapNode b)) {
          return sub.get(key, hash, shift + BITS);
        }
        n = b;
        shift += BITS;
      }
    }

    @Override
    TrieNode put(Object key, Object value, int hash, int shift, SizeChange change) {
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
        TrieNode sub = pair(k, content[i + 1], k.hashCode(), key, value, hash, shift + BITS);
        return withEntryMovedDown(bit, i, sub);
      }
      if ((nodeMap & bit) != 0) {
        int slot = nodeSlot(bit);
        TrieNode sub = (TrieNode) content[slot];
        TrieNode updated = sub.put(key, value, hash, shift + BITS, change);
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
    TrieNode remove(Object key, int hash, int shift) {
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
      TrieNode sub = (TrieNode) content[slot];
      TrieNode updated = sub.remove(key, hash, shift + BITS);
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
    private BitmapNode withEntryMovedDown(int bit, int i, TrieNode sub) {
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
    TrieNode nodeAt(int i) {
      return (TrieNode) content[2 * Integer.bitCount(dataMap) + i];
    }

    @Override
    void forEach(BiConsumer<Object, Object> action) {
      int entries = 2 * Integer.bitCount(dataMap);
      for (int i = 0; i < entries; i += 2) {
        action.accept(content[i], content[i + 1]);
      }
      for (int i = entries; i < content.length; i++) {
        ((TrieNode) content[i]).forEach(action);
      }
    }
  }

  /** Keys whose hashes are equal in all 32 bits, in key order so that the order is canonical. */
  static final class CollisionNode extends TrieNode {
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
    TrieNode put(Object key, Object value, int hash, int shift, SizeChange change) {
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
    TrieNode remove(Object key, int hash, int shift) {
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
    TrieNode nodeAt(int i) {
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
  static TrieNode pair(Object k1, Object v1, int h1, Object k2, Object v2, int h2, int shift) {
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
  static final class Entries<K, V> implements Iterator<Map.Entry<K, V>> {
    /** The trie is at most 8 levels deep: 7 of bitmap nodes and one of collisions. */
    private final TrieNode[] nodes = new TrieNode[HASH_BITS / BITS + 2];
    private final int[] nextNode = new int[nodes.length];
    private int depth;
    private Object[] entries;
    private int nextEntry;
    private int entryEnd;

    Entries(TrieNode root) {
      enter(root);
      advance();
    }

    private void enter(TrieNode n) {
      nodes[depth] = n;
      nextNode[depth] = 0;
      entries = n.content();
      nextEntry = 0;
      entryEnd = 2 * n.entryCount();
    }

    /** Moves to the next node with entries, if the current one has none left. */
    private void advance() {
      while (nextEntry >= entryEnd && depth >= 0) {
        TrieNode n = nodes[depth];
        if (nextNode[depth] < n.nodeCount()) {
          TrieNode sub = n.nodeAt(nextNode[depth]++);
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

  /** Checks that the trie under {@code n} is canonical, adding its entries to {@code count[0]}; throws if not. */
  static void check(TrieNode n, int shift, boolean isRoot, int[] count) {
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
