package io.nodus.state.image;

import io.nodus.state.collect.PersistentHashMap;
import io.nodus.state.proto.Endpoint;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Endpoints by name, with an index of the IPv4 addresses they hold. Hash maps, looked up by every
 * endpoint command; {@link #sorted} gives the name order to those who show it.
 *
 * @param byName every endpoint, pending or ready
 * @param byIpv4 address to endpoint name, for ready endpoints
 * @param nextEndpointId next endpoint id to hand out (ids are never reused)
 */
public record EndpointsImage(
    PersistentHashMap<String, Endpoint> byName,
    PersistentHashMap<String, String> byIpv4,
    int nextEndpointId) {

  public static final EndpointsImage EMPTY = new EndpointsImage(PersistentHashMap.empty(), PersistentHashMap.empty(), 1);

  public Optional<Endpoint> get(String name) {
    return byName.get(name);
  }

  public Optional<String> ownerOf(String ipv4) {
    return byIpv4.get(ipv4);
  }

  /** Every endpoint, by name. */
  public List<Endpoint> sorted() {
    return byName.valuesInKeyOrder();
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
    return new EndpointsImage(byName.put(endpoint.getName(), endpoint), ips, next);
  }

  public EndpointsImage without(String name) {
    Endpoint old = byName.getOrNull(name);
    if (old == null) {
      return this;
    }
    return new EndpointsImage(byName.remove(name), old.getIpv4().isEmpty() ? byIpv4 : byIpv4.remove(old.getIpv4()), nextEndpointId);
  }

  public EndpointsImage withNextEndpointId(int next) {
    return new EndpointsImage(byName, byIpv4, next);
  }
}
