package io.nodus.agent.monitor;

import java.util.List;
import java.util.Locale;

/**
 * One datapath event as people and scripts read it.
 *
 * @param type "drop", "verdict" (an allowed new flow and the policy entry that allowed it) or
 *     "trace" (a forwarded packet of a traced endpoint)
 * @param reason a drop's Cilium-style reason text ("Policy denied"), "allowed" for a verdict, the
 *     observation point for a trace ("to-endpoint", "from-endpoint")
 * @param reasonCode the drop reason code, 0 for a verdict, the observation point number for a trace
 * @param direction "ingress" (into the endpoint) or "egress" (out of it)
 * @param endpoint name of the local endpoint involved, or #id when unknown
 * @param endpointId its id
 * @param protocol "tcp", "udp", "icmp", "sctp" or the number
 * @param source source address
 * @param sourcePort source port (0 when none)
 * @param sourceIdentity source security identity
 * @param sourceLabels labels of the source identity
 * @param destination destination address
 * @param destinationPort destination port (ICMP: the type; 0 when none)
 * @param destinationIdentity destination security identity
 * @param destinationLabels labels of the destination identity
 * @param ctState connection-tracking state: "new", "established", "reply" or "related"
 * @param match the policy entry that decided: Cilium's match type ("L3-L4", "L4-Only", "all", ...)
 *     or "none"
 * @param matchIdentity that entry's identity (0 = any)
 * @param matchPorts that entry's ports: "80", "8000-8100" or "any"
 * @param timeMillis wall-clock time the agent read the event
 */
public record MonitorRecord(String type, String reason, int reasonCode, String direction, String endpoint, int endpointId,
    String protocol, String source, int sourcePort, int sourceIdentity, List<String> sourceLabels,
    String destination, int destinationPort, int destinationIdentity, List<String> destinationLabels,
    String ctState, String match, int matchIdentity, String matchPorts, long timeMillis) {

  public MonitorRecord {
    sourceLabels = List.copyOf(sourceLabels);
    destinationLabels = List.copyOf(destinationLabels);
  }

  /** One line (two for identities) for people, in the spirit of {@code cilium monitor}. */
  public String toHumanLine() {
    String head = switch (type) {
      case "drop" -> String.format("DROP (%s, %d)", reason, reasonCode);
      case "verdict" -> "POLICY-VERDICT allowed";
      case "trace" -> String.format("TRACE %s (%s)", reason, ctState);
      default -> type.toUpperCase(Locale.ROOT);
    };
    String rule = match.equals("none") ? ""
        : String.format(" [match %s: identity %s, %s/%s]", match, matchIdentity == 0 ? "any" : Integer.toString(matchIdentity),
            protocol, matchPorts);
    return String.format("%s %s endpoint %s: %s -> %s %s%s%n    identity %d %s -> identity %d %s", head, direction, endpoint,
        hostPort(source, sourcePort), hostPort(destination, destinationPort), protocol, rule,
        sourceIdentity, sourceLabels, destinationIdentity, destinationLabels);
  }

  private static String hostPort(String address, int port) {
    return port == 0 ? address : address + ":" + port;
  }
}
