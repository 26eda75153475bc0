package io.nodus.state.image;

import io.nodus.state.collect.PersistentHashMap;
import io.nodus.state.collect.PersistentSortedMap;
import io.nodus.state.model.Labels;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.LabelSet;
import java.util.Map;
import java.util.Optional;

/**
 * Identities by number, with an index from canonical label set to number and the numbers in
 * quarantine.
 *
 * <p>Two allocation scopes: cluster-local identities ({@code (clusterId << 16) | 256..65535}) for
 * endpoint label sets, and local-scope identities ({@code (1 << 24) | n}) for CIDRs. Each scope
 * is searched round-robin from a cursor, and a released number stays in quarantine for a window
 * of leader time, so stale caches never see one number stand for two label sets.
 *
 * @param byId every identity, reserved ones included
 * @param byLabels index key of a label set ({@link Labels#indexKey}) to identity number (a hash
 *     map: only looked up, never listed)
 * @param nextId low 16 bits where the cluster-local search continues
 * @param nextLocalId low 24 bits where the local-scope search continues
 * @param quarantine released number to its release time (leader milliseconds)
 */
public record IdentitiesImage(
    PersistentSortedMap<Integer, Identity> byId,
    PersistentHashMap<String, Integer> byLabels,
    int nextId,
    int nextLocalId,
    PersistentSortedMap<Integer, Long> quarantine) {

  /** Default quarantine of a released number. */
  public static final long DEFAULT_QUARANTINE_MILLIS = 300_000;

  /** The reserved identities and nothing else. */
  public static final IdentitiesImage EMPTY = reservedOnly();

  private static IdentitiesImage reservedOnly() {
    IdentitiesImage image = new IdentitiesImage(PersistentSortedMap.empty(), PersistentHashMap.empty(),
        ReservedIdentity.MIN_ALLOCATED, 1, PersistentSortedMap.empty());
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

  /** Adds or replaces an identity (references included); a number handed out again leaves quarantine. */
  public IdentitiesImage with(Identity identity) {
    return new IdentitiesImage(
        byId.put(identity.getId(), identity),
        byLabels.put(Labels.indexKey(identity.getLabels()), identity.getId()),
        nextId, nextLocalId, quarantine.remove(identity.getId()));
  }

  /** Records an allocation: adds the identity and moves the cursor of its scope past it. */
  public IdentitiesImage allocated(Identity identity) {
    IdentitiesImage next = with(identity);
    int id = identity.getId();
    if (ReservedIdentity.isLocalScope(id)) {
      return new IdentitiesImage(next.byId, next.byLabels, nextId, (id & ReservedIdentity.MAX_LOCAL) + 1, next.quarantine);
    }
    return new IdentitiesImage(next.byId, next.byLabels, (id & 0xFFFF) + 1, nextLocalId, next.quarantine);
  }

  /**
   * Removes an identity released at {@code atMillis} and puts its number in quarantine; entries
   * whose window ended by then leave quarantine.
   */
  public IdentitiesImage released(int id, long atMillis, long quarantineMillis) {
    Identity old = byId.getOrNull(id);
    if (old == null) {
      return this;
    }
    PersistentSortedMap<Integer, Long> q = quarantine;
    for (Map.Entry<Integer, Long> e : quarantine) {
      if (e.getValue() + quarantineMillis <= atMillis) {
        q = q.remove(e.getKey());
      }
    }
    return new IdentitiesImage(byId.remove(id), byLabels.remove(Labels.indexKey(old.getLabels())), nextId, nextLocalId,
        q.put(id, atMillis));
  }

  public IdentitiesImage withCursors(int next, int nextLocal) {
    return new IdentitiesImage(byId, byLabels, next, nextLocal, quarantine);
  }

  public IdentitiesImage withQuarantine(int id, long releasedMillis) {
    return new IdentitiesImage(byId, byLabels, nextId, nextLocalId, quarantine.put(id, releasedMillis));
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
   * The cluster-local number the allocator hands out next in cluster {@code clusterId}: the first
   * number at or after the cursor that is neither held nor in quarantine at {@code nowMillis},
   * wrapping once. Empty when the range is exhausted.
   */
  public Optional<Integer> nextFree(int clusterId, long nowMillis, long quarantineMillis) {
    int span = ReservedIdentity.MAX_ALLOCATED - ReservedIdentity.MIN_ALLOCATED + 1;
    int n = nextId;
    for (int i = 0; i < span; i++, n++) {
      if (n > ReservedIdentity.MAX_ALLOCATED || n < ReservedIdentity.MIN_ALLOCATED) {
        n = ReservedIdentity.MIN_ALLOCATED;
      }
      int id = ReservedIdentity.clusterLocal(clusterId, n);
      if (available(id, nowMillis, quarantineMillis)) {
        return Optional.of(id);
      }
    }
    return Optional.empty();
  }

  /** The local-scope number handed out next, by the same rules as {@link #nextFree}. */
  public Optional<Integer> nextFreeLocal(long nowMillis, long quarantineMillis) {
    int n = nextLocalId;
    for (int i = 0; i < ReservedIdentity.MAX_LOCAL; i++, n++) {
      if (n > ReservedIdentity.MAX_LOCAL || n < 1) {
        n = 1;
      }
      int id = ReservedIdentity.LOCAL_SCOPE | n;
      if (available(id, nowMillis, quarantineMillis)) {
        return Optional.of(id);
      }
    }
    return Optional.empty();
  }

  private boolean available(int id, long nowMillis, long quarantineMillis) {
    if (byId.containsKey(id)) {
      return false;
    }
    Long released = quarantine.getOrNull(id);
    return released == null || released + quarantineMillis <= nowMillis;
  }
}
