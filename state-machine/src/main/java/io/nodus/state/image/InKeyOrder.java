package io.nodus.state.image;

import io.nodus.state.collect.PersistentHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The entries of a hash map in the order of a sorted index of its keys: the images that keep
 * their values in a hash map for lookups walk them in key order this way, one lookup per step.
 */
final class InKeyOrder<V> implements Iterator<Map.Entry<String, V>> {
  private final Iterator<Map.Entry<String, Boolean>> keys;
  private final PersistentHashMap<String, V> values;

  InKeyOrder(Iterator<Map.Entry<String, Boolean>> keys, PersistentHashMap<String, V> values) {
    this.keys = keys;
    this.values = values;
  }

  @Override
  public boolean hasNext() {
    return keys.hasNext();
  }

  @Override
  public Map.Entry<String, V> next() {
    if (!keys.hasNext()) {
      throw new NoSuchElementException();
    }
    String k = keys.next().getKey();
    V v = values.getOrNull(k);
    if (v == null) {
      // The index and the map are changed together; a key in one only is a bug of the image.
      throw new IllegalStateException("key " + k + " is in the sorted index but not in the map");
    }
    return Map.entry(k, v);
  }
}
