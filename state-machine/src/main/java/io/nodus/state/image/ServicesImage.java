package io.nodus.state.image;

import io.nodus.state.collect.PersistentSortedMap;
import io.nodus.state.proto.Service;
import io.nodus.state.proto.ServiceFrontend;
import java.util.Collection;
import java.util.Optional;

/**
 * Services keyed by {@code namespace/name}, with an index of the frontends they hold and the
 * cursor of the service id allocator.
 *
 * @param byKey every service
 * @param byFrontend frontend key ({@link #frontendKey}) to the service key holding it
 * @param byId service id to the service key holding it
 * @param nextId where the id search continues (ids 1..65535, handed out round-robin so that a
 *     deleted service's number is not reused right away by stale datapath entries)
 */
public record ServicesImage(
    PersistentSortedMap<String, Service> byKey,
    PersistentSortedMap<String, String> byFrontend,
    PersistentSortedMap<Integer, String> byId,
    int nextId) {

  /** Largest service id: the datapath's reverse-NAT index is 16 bits wide, 0 meaning none. */
  public static final int MAX_ID = 65535;

  public static final ServicesImage EMPTY = new ServicesImage(PersistentSortedMap.empty(), PersistentSortedMap.empty(), PersistentSortedMap.empty(), 1);

  public static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  /** {@code ip:port/protocol}, the identity of a frontend. */
  public static String frontendKey(ServiceFrontend f) {
    return f.getIp() + ":" + f.getPort() + "/" + f.getProtocol().name();
  }

  public Optional<Service> get(String namespace, String name) {
    return byKey.get(key(namespace, name));
  }

  public Collection<Service> all() {
    return byKey.values();
  }

  /** Key of the service holding {@code frontend}, if any. */
  public Optional<String> ownerOf(ServiceFrontend frontend) {
    return byFrontend.get(frontendKey(frontend));
  }

  /** Adds or replaces a service; its old frontend is freed and the id cursor moves past its id. */
  public ServicesImage with(Service service) {
    String key = key(service.getNamespace(), service.getName());
    Service old = byKey.getOrNull(key);
    PersistentSortedMap<String, String> frontends = byFrontend;
    PersistentSortedMap<Integer, String> ids = byId;
    if (old != null) {
      frontends = frontends.remove(frontendKey(old.getFrontend()));
      ids = ids.remove(old.getId());
    }
    frontends = frontends.put(frontendKey(service.getFrontend()), key);
    ids = ids.put(service.getId(), key);
    int next = old != null && old.getId() == service.getId() ? nextId : service.getId() % MAX_ID + 1;
    return new ServicesImage(byKey.put(key, service), frontends, ids, next);
  }

  public ServicesImage without(String namespace, String name) {
    String key = key(namespace, name);
    Service old = byKey.getOrNull(key);
    if (old == null) {
      return this;
    }
    return new ServicesImage(byKey.remove(key), byFrontend.remove(frontendKey(old.getFrontend())), byId.remove(old.getId()),
        nextId);
  }

  public ServicesImage withNextId(int next) {
    return new ServicesImage(byKey, byFrontend, byId, next);
  }

  /** The id the allocator hands out next: the first number at or after the cursor nobody holds. */
  public Optional<Integer> nextFreeId() {
    int n = nextId;
    for (int i = 0; i < MAX_ID; i++, n++) {
      if (n > MAX_ID || n < 1) {
        n = 1;
      }
      if (!byId.containsKey(n)) {
        return Optional.of(n);
      }
    }
    return Optional.empty();
  }
}
