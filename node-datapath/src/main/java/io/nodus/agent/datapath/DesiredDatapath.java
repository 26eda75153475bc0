package io.nodus.agent.datapath;

import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.policy.EndpointPolicy;
import io.nodus.state.policy.PolicyResolver;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.Node;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one node's maps should hold for a cluster image: the ipcache (every ready endpoint's
 * address and identity, the node's own addresses as {@code host}, other nodes as
 * {@code remote-node}) and, per local endpoint, its resolved policy. Pure; computed on the
 * reconciler thread.
 *
 * @param ipcache prefix to identity and tunnel endpoint
 * @param endpoints local endpoints by name, with their policy
 */
public record DesiredDatapath(Map<Ipv4Prefix, IpCacheEntry> ipcache, Map<String, EndpointPlan> endpoints) {

  public DesiredDatapath {
    ipcache = Collections.unmodifiableMap(new LinkedHashMap<>(ipcache));
    endpoints = Collections.unmodifiableMap(new LinkedHashMap<>(endpoints));
  }

  /**
   * A local endpoint and what its maps must say.
   *
   * @param endpoint the endpoint as the log has it
   * @param policy its resolved policy
   */
  public record EndpointPlan(Endpoint endpoint, EndpointPolicy policy) {}

  /** The desired state of {@code node} given the image and the node's own IPv4 addresses. */
  public static DesiredDatapath compute(ClusterImage image, String node, Collection<String> hostAddresses) {
    Map<Ipv4Prefix, IpCacheEntry> ipcache = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
    for (Node n : image.nodes().byName().values()) {
      if (!n.getName().equals(node) && !n.getUnderlayIp().isEmpty()) {
        ipcache.put(Ipv4Prefix.host(Ipv4.parse(n.getUnderlayIp())), IpCacheEntry.local(ReservedIdentity.REMOTE_NODE.id()));
      }
    }
    for (String a : hostAddresses) {
      ipcache.put(Ipv4Prefix.host(Ipv4.parse(a)), IpCacheEntry.local(ReservedIdentity.HOST.id()));
    }
    Map<String, EndpointPlan> local = new TreeMap<>();
    for (Endpoint e : image.endpoints().byName().values()) {
      if (e.getState() == EndpointState.ENDPOINT_STATE_READY) {
        ipcache.put(Ipv4Prefix.host(Ipv4.parse(e.getIpv4())), entryFor(image, e, node));
      }
      if (e.getNode().equals(node)) {
        local.put(e.getName(), new EndpointPlan(e, PolicyResolver.resolve(image, e.getLabels())));
      }
    }
    return new DesiredDatapath(ipcache, local);
  }

  private static IpCacheEntry entryFor(ClusterImage image, Endpoint e, String localNode) {
    if (e.getNode().equals(localNode)) {
      return IpCacheEntry.local(e.getIdentity());
    }
    String underlay = image.nodes().get(e.getNode()).map(Node::getUnderlayIp).orElse("");
    return underlay.isEmpty() ? IpCacheEntry.local(e.getIdentity())
        : new IpCacheEntry(e.getIdentity(), Ipv4.parse(underlay), 0);
  }
}
