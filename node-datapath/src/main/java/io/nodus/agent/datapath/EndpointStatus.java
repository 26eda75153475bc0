package io.nodus.agent.datapath;

/**
 * How one local endpoint's datapath state stands, as the agent's API reports it.
 *
 * @param name endpoint name
 * @param endpointId endpoint id (its policy map's key)
 * @param identity security identity
 * @param ifindex host-side veth ifindex, 0 while not plumbed
 * @param ipv4 address, empty while not plumbed
 * @param ingressEnforced traffic into the endpoint is default-deny
 * @param egressEnforced traffic out of the endpoint is default-deny
 * @param trace trace events are on for the endpoint
 * @param policyEntries entries in its policy map
 * @param policyCapacity entries its policy map can hold
 * @param revision log revision whose policy the maps hold
 * @param error why the maps do not hold the latest policy (empty when they do)
 */
public record EndpointStatus(String name, int endpointId, int identity, int ifindex, String ipv4, boolean ingressEnforced,
    boolean egressEnforced, boolean trace, int policyEntries, int policyCapacity, long revision, String error) {

  public boolean ok() {
    return error.isEmpty();
  }
}
