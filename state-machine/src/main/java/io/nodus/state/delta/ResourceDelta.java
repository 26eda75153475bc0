package io.nodus.state.delta;

import io.nodus.state.image.ClusterImage;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a {@link ClusterDelta} changed in one kind of resource: the keys its events touched, each
 * with its value before the delta (in the base image) and after it (in the image the delta
 * leads to). A key touched and put back as it was (created and deleted in one batch, say) is in
 * {@link #keys()} but in none of {@link #created()}, {@link #changed()}, {@link #removed()}.
 *
 * <p>Values are read from the two images when asked for, so a delta costs a set of keys.
 * Threading: filled by the thread that replays events; read-only once the delta is applied.
 *
 * @param <K> the key within the kind
 * @param <V> the resource
 */
public final class ResourceDelta<K, V> {
  /** Reads the value of a key in an image; a constant (non-capturing) function per kind. */
  interface Lookup<K, V> {
    Optional<V> find(ClusterImage image, K key);
  }

  private final ClusterDelta owner;
  private final Lookup<K, V> lookup;
  // Made on the first touch: a command touches two or three kinds of the nine, and a delta is made
  // per command on the apply thread.
  private Set<K> touched;

  ResourceDelta(ClusterDelta owner, Lookup<K, V> lookup) {
    this.owner = owner;
    this.lookup = lookup;
  }

  void touch(K key) {
    if (touched == null) {
      touched = new LinkedHashSet<>();
    }
    touched.add(key);
  }

  /** Every key the events touched, in the order they first touched it. */
  public Set<K> keys() {
    return touched == null ? Set.of() : Collections.unmodifiableSet(touched);
  }

  public boolean isEmpty() {
    return touched == null;
  }

  /** The value of {@code key} before the delta, if it existed. */
  public Optional<V> before(K key) {
    return lookup.find(owner.base(), key);
  }

  /** The value of {@code key} after the delta, if it exists. */
  public Optional<V> after(K key) {
    return lookup.find(owner.current(), key);
  }

  /** Keys whose value after the delta is not the one before: created, changed or removed. */
  public Set<K> differing() {
    return filter(k -> !before(k).equals(after(k)));
  }

  /** Keys that did not exist before and exist after. */
  public Set<K> created() {
    return filter(k -> before(k).isEmpty() && after(k).isPresent());
  }

  /** Keys that existed before and after, with another value. */
  public Set<K> changed() {
    return filter(k -> {
      Optional<V> b = before(k);
      Optional<V> a = after(k);
      return b.isPresent() && a.isPresent() && !b.get().equals(a.get());
    });
  }

  /** Keys that existed before and do not after. */
  public Set<K> removed() {
    return filter(k -> before(k).isPresent() && after(k).isEmpty());
  }

  private Set<K> filter(java.util.function.Predicate<K> p) {
    return keys().stream().filter(p).collect(Collectors.toCollection(LinkedHashSet::new));
  }

  @Override
  public String toString() {
    return keys().toString();
  }
}
