package io.nodus.agent.plumbing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Endpoint plumbing kept in memory, for tests of the reconciler: what {@link EndpointPlumber}
 * would leave in the kernel (an interface per endpoint, with an ifindex and an address), every
 * call it was asked, and failures on demand. Like the kernel, it gives a re-created interface a
 * new ifindex, and plumbing an endpoint whose interface exists keeps it.
 *
 * <p>Threading: thread-safe; the reconciler's thread plumbs while the test thread looks.
 */
public final class FakePlumbing implements EndpointPlumbing {
  private final String node;
  private final Map<String, EndpointPlumber.Plumbed> links = new TreeMap<>();
  private final Map<String, String> addresses = new HashMap<>();
  private final List<String> plumbCalls = new ArrayList<>();
  private final List<String> unplumbCalls = new ArrayList<>();
  private final Set<String> failing = new HashSet<>();
  private int nextIfindex = 100;

  public FakePlumbing(String node) {
    this.node = node;
  }

  @Override
  public synchronized EndpointPlumber.Plumbed plumb(String endpoint, String ipv4) {
    plumbCalls.add(endpoint);
    if (failing.contains(endpoint)) {
      throw new PlumbingException("ip netns add " + endpoint + ": failing on the test's request");
    }
    EndpointPlumber.Plumbed p = links.computeIfAbsent(endpoint,
        e -> new EndpointPlumber.Plumbed(e, EndpointPlumber.hostInterfaceName(node, e), nextIfindex++));
    addresses.put(endpoint, ipv4);
    return p;
  }

  @Override
  public synchronized void unplumb(String endpoint) {
    unplumbCalls.add(endpoint);
    links.remove(endpoint);
    addresses.remove(endpoint);
  }

  @Override
  public synchronized Optional<EndpointPlumber.Plumbed> inspect(String endpoint) {
    return Optional.ofNullable(links.get(endpoint));
  }

  @Override
  public synchronized List<EndpointPlumber.OwnedLink> ownedLinks() {
    return links.values().stream().map(p -> new EndpointPlumber.OwnedLink(p.hostInterface(), node, p.endpoint())).toList();
  }

  /** Plumbing a previous run of the agent left behind, as a restarted agent finds it. */
  public synchronized EndpointPlumber.Plumbed leftBehind(String endpoint, String ipv4) {
    EndpointPlumber.Plumbed p = new EndpointPlumber.Plumbed(endpoint, EndpointPlumber.hostInterfaceName(node, endpoint), nextIfindex++);
    links.put(endpoint, p);
    addresses.put(endpoint, ipv4);
    return p;
  }

  /** Someone removed the endpoint's namespace and veth behind the agent's back. */
  public synchronized void vanish(String endpoint) {
    links.remove(endpoint);
    addresses.remove(endpoint);
  }

  /** Plumbing {@code endpoint} fails until {@link #heal}. */
  public synchronized void fail(String endpoint) {
    failing.add(endpoint);
  }

  public synchronized void heal(String endpoint) {
    failing.remove(endpoint);
  }

  /** The host ifindex of the endpoint's interface; fails when it has none. */
  public synchronized int ifindex(String endpoint) {
    EndpointPlumber.Plumbed p = links.get(endpoint);
    if (p == null) {
      throw new AssertionError("endpoint " + endpoint + " is not plumbed; plumbed: " + links.keySet());
    }
    return p.hostIfindex();
  }

  /** The address the endpoint's namespace holds, if it is plumbed. */
  public synchronized Optional<String> address(String endpoint) {
    return Optional.ofNullable(addresses.get(endpoint));
  }

  /** Endpoints plumbed now, by name. */
  public synchronized Set<String> plumbed() {
    return Set.copyOf(links.keySet());
  }

  /** How many times plumbing {@code endpoint} was asked for, failures included. */
  public synchronized int plumbCalls(String endpoint) {
    return (int) plumbCalls.stream().filter(endpoint::equals).count();
  }

  /** Every plumb call, in order. */
  public synchronized List<String> plumbCalls() {
    return List.copyOf(plumbCalls);
  }

  /** Every unplumb call, in order. */
  public synchronized List<String> unplumbCalls() {
    return List.copyOf(unplumbCalls);
  }
}
