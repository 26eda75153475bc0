package io.nodus.state.image;

import io.nodus.state.collect.PersistentSortedMap;
import io.nodus.state.model.Labels;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.LabelSet;
import java.util.Optional;

/**
 * Identities by number, with an index from canonical label set to number.
 *
 * @param byId every identity, reserved ones included
 * @param byLabels index key of a label set ({@link Labels#indexKey}) to identity number
 * @param nextId where the allocator continues its search (round-robin, so a released number is
 *     not handed out again before the rest of the range has been used)
 */
public record IdentitiesImage(
    PersistentSortedMap<Integer, Identity> byId,
    PersistentSortedMap<String, Integer> byLabels,
    int nextId) {

  /** The reserved identities and nothing else. */
  public static final IdentitiesImage EMPTY = reservedOnly();

  private static IdentitiesImage reservedOnly() {
    IdentitiesImage image = new IdentitiesImage(PersistentSortedMap.empty(), PersistentSortedMap.empty(), ReservedIdentity.MIN_ALLOCATED);
    for (ReservedIdentity r : ReservedIdentity.values()) {
      image = image.with(Identity.newBuilder().setId(r.id()).setLabels(r.labels()).build());
    }
    return image;
  }

  public Optional<Identity> get(int id) {
    return byId.get(id);
  }

  public Optional<Integer> idOf(LabelSet labels) {
    return byLabels.get(Labels.indexKey(labels));
  }

  public int size() {
    return byId.size();
  }

  /** Adds or replaces an identity (references included). */
  public IdentitiesImage with(Identity identity) {
    return new IdentitiesImage(
        byId.put(identity.getId(), identity),
        byLabels.put(Labels.indexKey(identity.getLabels()), identity.getId()),
        nextId);
  }

  public IdentitiesImage without(int id) {
    Identity old = byId.getOrNull(id);
    if (old == null) {
      return this;
    }
    return new IdentitiesImage(byId.remove(id), byLabels.remove(Labels.indexKey(old.getLabels())), nextId);
  }

  public IdentitiesImage withNextId(int next) {
    return new IdentitiesImage(byId, byLabels, next);
  }

  /** Changes the reference count of an identity by {@code delta}. */
  public IdentitiesImage referenced(int id, int delta) {
    Identity old = byId.getOrNull(id);
    if (old == null) {
      throw new IllegalStateException("identity " + id + " is referenced but does not exist");
    }
    int refs = old.getReferences() + delta;
    if (refs < 0) {
      throw new IllegalStateException("identity " + id + " reference count would go negative");
    }
    return with(old.toBuilder().setReferences(refs).build());
  }

  /**
   * The number the allocator hands out next: the first free number at or after {@link #nextId},
   * wrapping around the allocated range once. Empty when the range is exhausted.
   */
  public Optional<Integer> nextFree() {
    int span = ReservedIdentity.MAX_ALLOCATED - ReservedIdentity.MIN_ALLOCATED + 1;
    int candidate = nextId;
    for (int i = 0; i < span; i++) {
      if (candidate > ReservedIdentity.MAX_ALLOCATED || candidate < ReservedIdentity.MIN_ALLOCATED) {
        candidate = ReservedIdentity.MIN_ALLOCATED;
      }
      if (!byId.containsKey(candidate)) {
        return Optional.of(candidate);
      }
      candidate++;
    }
    return Optional.empty();
  }
}
