package io.nodus.agent.datapath;

import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyValue;
import java.util.Objects;
import java.util.SortedMap;

/**
 * What one local endpoint's maps must say after a pass.
 *
 * @param name endpoint name
 * @param endpointId endpoint id (key of its policy map)
 * @param identity security identity
 * @param ifindex host-side veth ifindex, 0 while the endpoint is not plumbed (no endpoint entry yet)
 * @param ipv4 its address, empty while not plumbed
 * @param ingressEnforced default deny into the endpoint
 * @param egressEnforced default deny out of the endpoint
 * @param trace trace events for its packets
 * @param contents its policy map contents
 * @param revision log revision the plan was computed from
 */
public record EndpointPlan(String name, int endpointId, int identity, int ifindex, String ipv4, boolean ingressEnforced,
    boolean egressEnforced, boolean trace, SortedMap<PolicyKey, PolicyValue> contents, long revision) {

  public EndpointPlan {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(ipv4, "ipv4");
    Objects.requireNonNull(contents, "contents");
  }
}
