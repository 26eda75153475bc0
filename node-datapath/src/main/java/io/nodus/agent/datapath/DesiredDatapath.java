package io.nodus.agent.datapath;

import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.Node;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one node's ipcache should hold for a cluster image: the prefixes of CIDR identities (so
 * that a CIDR rule's identity is what the longest matching prefix says; a miss is world), other
 * nodes' underlay addresses as {@code remote-node}, the node's own addresses as {@code host}, and
 * every ready endpoint's address with its identity and, for a remote one, its node. Later kinds
 * win over earlier ones on the same /32. Pure; computed on the reconciler thread.
 */
public final class DesiredDatapath {
  /** Orders prefixes by address, then length, for stable output. */
  public static final Comparator<Ipv4Prefix> PREFIX_ORDER = Comparator
      .comparingLong((Ipv4Prefix p) -> Integer.toUnsignedLong(Ipv4.toInt(p.address()))).thenComparingInt(Ipv4Prefix::length);

  private DesiredDatapath() {}

  /** The ipcache of {@code node} given the image and the node's own IPv4 addresses. */
  public static Map<Ipv4Prefix, IpCacheEntry> ipcache(ClusterImage image, String node, Collection<String> hostAddresses) {
    Map<Ipv4Prefix, IpCacheEntry> ipcache = new TreeMap<>(PREFIX_ORDER);
    for (Identity i : image.identities().byId().values()) {
      cidrPrefix(i).ifPresent(p -> ipcache.put(p, IpCacheEntry.local(i.getId())));
    }
    for (Node n : image.nodes().byName().values()) {
      if (!n.getName().equals(node) && !n.getUnderlayIp().isEmpty()) {
        ipcache.put(Ipv4Prefix.host(Ipv4.parse(n.getUnderlayIp())), IpCacheEntry.local(ReservedIdentity.REMOTE_NODE.id()));
      }
    }
    for (String a : hostAddresses) {
      ipcache.put(Ipv4Prefix.host(Ipv4.parse(a)), IpCacheEntry.local(ReservedIdentity.HOST.id()));
    }
    for (Endpoint e : image.endpoints().byName().values()) {
      if (e.getState() == EndpointState.ENDPOINT_STATE_READY && !e.getIpv4().isEmpty()) {
        ipcache.put(Ipv4Prefix.host(Ipv4.parse(e.getIpv4())), entryFor(image, e, node));
      }
    }
    return ipcache;
  }

  /**
   * The IPv4 prefix of a CIDR identity: a local-scope identity labelled {@code cidr:a.b.c.d/n}.
   * IPv6 prefixes have no place in the IPv4 ipcache.
   */
  static Optional<Ipv4Prefix> cidrPrefix(Identity identity) {
    if (!ReservedIdentity.isLocalScope(identity.getId())) {
      return Optional.empty();
    }
    for (Label l : identity.getLabels().getLabelsList()) {
      if (l.getSource().equals("cidr") && !l.getKey().contains(":")) {
        try {
          return Optional.of(Ipv4Prefix.parse(l.getKey()));
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  private static IpCacheEntry entryFor(ClusterImage image, Endpoint e, String localNode) {
    if (e.getNode().equals(localNode)) {
      return IpCacheEntry.local(e.getIdentity());
    }
    String underlay = image.nodes().get(e.getNode()).map(Node::getUnderlayIp).orElse("");
    return underlay.isEmpty() ? IpCacheEntry.local(e.getIdentity()) : new IpCacheEntry(e.getIdentity(), Ipv4.parse(underlay), 0);
  }
}
