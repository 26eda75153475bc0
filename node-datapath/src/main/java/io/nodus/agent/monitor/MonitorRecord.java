package io.nodus.agent.monitor;

import java.util.List;

/**
 * One datapath event as people and scripts read it.
 *
 * @param type "drop", "verdict" or "trace"
 * @param reason Cilium-style reason text, e.g. "Policy denied"
 * @param reasonCode numeric reason code
 * @param direction "ingress" (into the endpoint) or "egress" (out of it)
 * @param endpoint name of the local endpoint involved, or its id when unknown
 * @param protocol "tcp", "udp", "icmp" or the number
 * @param source source address
 * @param sourcePort source port (0 when none)
 * @param sourceIdentity source security identity
 * @param sourceLabels labels of the source identity
 * @param destination destination address
 * @param destinationPort destination port (0 when none)
 * @param destinationIdentity destination security identity
 * @param destinationLabels labels of the destination identity
 * @param timeMillis wall-clock time the agent read the event
 */
public record MonitorRecord(String type, String reason, int reasonCode, String direction, String endpoint, String protocol,
    String source, int sourcePort, int sourceIdentity, List<String> sourceLabels,
    String destination, int destinationPort, int destinationIdentity, List<String> destinationLabels, long timeMillis) {

  public MonitorRecord {
    sourceLabels = List.copyOf(sourceLabels);
    destinationLabels = List.copyOf(destinationLabels);
  }

  /** One line for people, in the spirit of {@code cilium monitor}. */
  public String toHumanLine() {
    return String.format("%s (%s, %d) %s endpoint %s: %s -> %s %s%n    identity %d %s -> identity %d %s",
        type.toUpperCase(java.util.Locale.ROOT), reason, reasonCode, direction, endpoint,
        hostPort(source, sourcePort), hostPort(destination, destinationPort), protocol,
        sourceIdentity, sourceLabels, destinationIdentity, destinationLabels);
  }

  private static String hostPort(String address, int port) {
    return port == 0 ? address : address + ":" + port;
  }
}
