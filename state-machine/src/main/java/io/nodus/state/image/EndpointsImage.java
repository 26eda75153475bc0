package io.nodus.state.image;

import io.nodus.state.collect.PersistentHashMap;
import io.nodus.state.collect.PersistentSortedMap;
import io.nodus.state.proto.Endpoint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Endpoints by name, with an index of the IPv4 addresses they hold. Hash maps, looked up by every
 * endpoint command; the names alone in a sorted tree ({@code nameOrder}) give the name order to
 * those who show endpoints and to paged reads. It changes only when an endpoint is created or
 * deleted, not when one becomes ready or changes identity.
 *
 * @param byName every endpoint, pending or ready
 * @param nameOrder the names of {@code byName}, sorted (the values mean nothing)
 * @param byIpv4 address to endpoint name, for ready endpoints
 * @param nextEndpointId next endpoint id to hand out (ids are never reused)
 */
public record EndpointsImage(
    PersistentHashMap<String, Endpoint> byName,
    PersistentSortedMap<String, Boolean> nameOrder,
    PersistentHashMap<String, String> byIpv4,
    int nextEndpointId) {

  public static final EndpointsImage EMPTY =
      new EndpointsImage(PersistentHashMap.empty(), PersistentSortedMap.empty(), PersistentHashMap.empty(), 1);

  public Optional<Endpoint> get(String name) {
    return byName.get(name);
  }

  public Optional<String> ownerOf(String ipv4) {
    return byIpv4.get(ipv4);
  }

  /** Every endpoint, by name. */
  public List<Endpoint> sorted() {
    List<Endpoint> out = new ArrayList<>(byName.size());
    nameOrder.forEach((name, ignored) -> out.add(byName.getOrNull(name)));
    return out;
  }

  /** The endpoints whose name is greater than {@code name} (all when null), by name, as (name, endpoint) pairs. */
  public Iterator<Map.Entry<String, Endpoint>> after(String name) {
    return new InKeyOrder<>(nameOrder.entriesAfter(name), byName);
  }

  /** The endpoints of {@code node}, by name. */
  public List<Endpoint> onNode(String node) {
    return byName.values().stream().filter(e -> e.getNode().equals(node)).sorted(Comparator.comparing(Endpoint::getName)).toList();
  }

  public EndpointsImage with(Endpoint endpoint) {
    Endpoint old = byName.getOrNull(endpoint.getName());
    PersistentHashMap<String, String> ips = byIpv4;
    if (old != null && !old.getIpv4().isEmpty()) {
      ips = ips.remove(old.getIpv4());
    }
    if (!endpoint.getIpv4().isEmpty()) {
      ips = ips.put(endpoint.getIpv4(), endpoint.getName());
    }
    int next = Math.max(nextEndpointId, endpoint.getId() + 1);
    // Only a new name changes the order.
    PersistentSortedMap<String, Boolean> names = old == null ? nameOrder.put(endpoint.getName(), Boolean.TRUE) : nameOrder;
    return new EndpointsImage(byName.put(endpoint.getName(), endpoint), names, ips, next);
  }

  public EndpointsImage without(String name) {
    Endpoint old = byName.getOrNull(name);
    if (old == null) {
      return this;
    }
    return new EndpointsImage(byName.remove(name), nameOrder.remove(name),
        old.getIpv4().isEmpty() ? byIpv4 : byIpv4.remove(old.getIpv4()), nextEndpointId);
  }

  public EndpointsImage withNextEndpointId(int next) {
    return new EndpointsImage(byName, nameOrder, byIpv4, next);
  }
}
