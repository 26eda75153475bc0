package io.nodus.state.image;

import io.nodus.state.collect.PersistentSortedMap;
import io.nodus.state.proto.Node;
import java.util.Optional;

/**
 * Nodes by name, with an index of the pod CIDRs they hold.
 *
 * @param byName every registered node
 * @param byCidr pod CIDR (canonical text) to node name
 */
public record NodesImage(PersistentSortedMap<String, Node> byName, PersistentSortedMap<String, String> byCidr) {

  public static final NodesImage EMPTY = new NodesImage(PersistentSortedMap.empty(), PersistentSortedMap.empty());

  public Optional<Node> get(String name) {
    return byName.get(name);
  }

  public NodesImage with(Node node) {
    Node old = byName.getOrNull(node.getName());
    PersistentSortedMap<String, String> cidrs = byCidr;
    if (old != null && !old.getPodCidr().isEmpty()) {
      cidrs = cidrs.remove(old.getPodCidr());
    }
    if (!node.getPodCidr().isEmpty()) {
      cidrs = cidrs.put(node.getPodCidr(), node.getName());
    }
    return new NodesImage(byName.put(node.getName(), node), cidrs);
  }

  public NodesImage without(String name) {
    Node old = byName.getOrNull(name);
    if (old == null) {
      return this;
    }
    return new NodesImage(byName.remove(name), old.getPodCidr().isEmpty() ? byCidr : byCidr.remove(old.getPodCidr()));
  }

  public boolean cidrInUse(String cidr) {
    return byCidr.containsKey(cidr);
  }
}
