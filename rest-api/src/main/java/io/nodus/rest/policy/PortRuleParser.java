package io.nodus.rest.policy;

import static io.nodus.rest.policy.CiliumPolicyParser.orEmpty;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.proto.DnsRule;
import io.nodus.state.proto.HeaderMatch;
import io.nodus.state.proto.HttpRule;
import io.nodus.state.proto.IcmpField;
import io.nodus.state.proto.IcmpRule;
import io.nodus.state.proto.IpFamily;
import io.nodus.state.proto.KafkaRule;
import io.nodus.state.proto.L7Rules;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import io.nodus.state.proto.SecretRef;
import java.util.Map;
import java.util.Set;

/**
 * Parses {@code toPorts} entries (ports and the http, kafka and dns {@code rules}) and
 * {@code icmps} entries of Cilium rules, and the port numbers Kubernetes NetworkPolicies use.
 */
final class PortRuleParser {
  private static final Set<String> PORT_RULE_FIELDS = Set.of("ports", "rules");
  private static final Set<String> DENY_PORT_RULE_FIELDS = Set.of("ports");
  private static final Set<String> PORT_RULE_LATER = Set.of("listener", "originatingTLS", "terminatingTLS", "serverNames");
  private static final Set<String> PORT_FIELDS = Set.of("port", "endPort", "protocol");
  private static final Set<String> L7_FIELDS = Set.of("http", "kafka", "dns");
  private static final Set<String> L7_LATER = Set.of("l7proto", "l7");
  private static final Set<String> HTTP_FIELDS = Set.of("method", "path", "host", "headers", "headerMatches");
  private static final Set<String> HEADER_MATCH_FIELDS = Set.of("name", "value", "secret", "mismatch");
  private static final Set<String> KAFKA_FIELDS = Set.of("role", "apiKey", "apiVersion", "clientID", "topic");
  private static final Set<String> DNS_FIELDS = Set.of("matchName", "matchPattern");

  /** ICMP type names Cilium accepts, by family. */
  private static final Map<String, Integer> ICMP_V4 = Map.ofEntries(Map.entry("EchoReply", 0), Map.entry("DestinationUnreachable", 3),
      Map.entry("Redirect", 5), Map.entry("Echo", 8), Map.entry("EchoRequest", 8), Map.entry("RouterAdvertisement", 9),
      Map.entry("RouterSelection", 10), Map.entry("TimeExceeded", 11), Map.entry("ParameterProblem", 12), Map.entry("Timestamp", 13),
      Map.entry("TimestampReply", 14), Map.entry("Photuris", 40), Map.entry("ExtendedEchoRequest", 42), Map.entry("ExtendedEchoReply", 43));
  private static final Map<String, Integer> ICMP_V6 = Map.ofEntries(Map.entry("DestinationUnreachable", 1), Map.entry("PacketTooBig", 2),
      Map.entry("TimeExceeded", 3), Map.entry("ParameterProblem", 4), Map.entry("EchoRequest", 128), Map.entry("EchoReply", 129),
      Map.entry("MulticastListenerQuery", 130), Map.entry("MulticastListenerReport", 131), Map.entry("MulticastListenerDone", 132),
      Map.entry("RouterSolicitation", 133), Map.entry("RouterAdvertisement", 134), Map.entry("NeighborSolicitation", 135),
      Map.entry("NeighborAdvertisement", 136), Map.entry("RedirectMessage", 137), Map.entry("RouterRenumbering", 138),
      Map.entry("ICMPNodeInformationQuery", 139), Map.entry("ICMPNodeInformationResponse", 140),
      Map.entry("InverseNeighborDiscoverySolicitation", 141), Map.entry("InverseNeighborDiscoveryAdvertisement", 142),
      Map.entry("HomeAgentAddressDiscoveryRequest", 144), Map.entry("HomeAgentAddressDiscoveryReply", 145),
      Map.entry("MobilePrefixSolicitation", 146), Map.entry("MobilePrefixAdvertisement", 147),
      Map.entry("DuplicateAddressRequestCodeSuffix", 157), Map.entry("DuplicateAddressConfirmationCodeSuffix", 158),
      Map.entry("ExtendedEchoRequest", 160), Map.entry("ExtendedEchoReply", 161));

  private PortRuleParser() {}

  /** A toPorts entry; deny rules take ports only. */
  static PortRule portRule(DocNode n, boolean deny) {
    n.requireObject(deny ? DENY_PORT_RULE_FIELDS : PORT_RULE_FIELDS, PORT_RULE_LATER);
    PortRule.Builder r = PortRule.newBuilder();
    for (DocNode p : n.list("ports")) {
      p.requireObject(PORT_FIELDS, Set.of());
      PortProtocol.Builder pp = PortProtocol.newBuilder();
      pp.setPort(port(p.get("port"), true));
      DocNode end = p.get("endPort");
      if (end != null) {
        pp.setEndPort(endPort(end));
      }
      pp.setProtocol(protocol(p, true));
      r.addPorts(pp);
    }
    DocNode rules = n.get("rules");
    if (rules != null) {
      r.setRules(l7(rules));
    }
    return r.build();
  }

  private static L7Rules l7(DocNode n) {
    n.requireObject(L7_FIELDS, L7_LATER);
    L7Rules.Builder b = L7Rules.newBuilder();
    for (DocNode h : n.list("http")) {
      h.requireObject(HTTP_FIELDS, Set.of());
      HttpRule.Builder http = HttpRule.newBuilder().setMethod(orEmpty(h.string("method"))).setPath(orEmpty(h.string("path")))
          .setHost(orEmpty(h.string("host"))).addAllHeaders(h.strings("headers"));
      for (DocNode m : h.list("headerMatches")) {
        http.addHeaderMatches(headerMatch(m));
      }
      b.addHttp(http);
    }
    for (DocNode k : n.list("kafka")) {
      k.requireObject(KAFKA_FIELDS, Set.of());
      b.addKafka(KafkaRule.newBuilder().setRole(orEmpty(k.string("role"))).setApiKey(orEmpty(k.string("apiKey")))
          .setApiVersion(orEmpty(k.string("apiVersion"))).setClientId(orEmpty(k.string("clientID"))).setTopic(orEmpty(k.string("topic"))));
    }
    for (DocNode d : n.list("dns")) {
      d.requireObject(DNS_FIELDS, Set.of());
      b.addDns(DnsRule.newBuilder().setMatchName(orEmpty(d.string("matchName"))).setMatchPattern(orEmpty(d.string("matchPattern"))));
    }
    return b.build();
  }

  private static HeaderMatch headerMatch(DocNode m) {
    m.requireObject(HEADER_MATCH_FIELDS, Set.of());
    HeaderMatch.Builder b = HeaderMatch.newBuilder().setName(orEmpty(m.string("name"))).setValue(orEmpty(m.string("value")));
    String mismatch = m.string("mismatch");
    if (mismatch != null && !mismatch.isEmpty()) {
      b.setMismatch(switch (mismatch) {
        case "LOG" -> HeaderMatch.Mismatch.LOG;
        case "ADD" -> HeaderMatch.Mismatch.ADD;
        case "DELETE" -> HeaderMatch.Mismatch.DELETE;
        case "REPLACE" -> HeaderMatch.Mismatch.REPLACE;
        default -> throw InvalidFieldException.invalid(m.child("mismatch"), "mismatch '" + mismatch + "' is not one of LOG, ADD, DELETE, REPLACE");
      });
    }
    DocNode secret = m.get("secret");
    if (secret != null) {
      secret.requireObject(Set.of("namespace", "name"), Set.of());
      b.setSecret(SecretRef.newBuilder().setNamespace(orEmpty(secret.string("namespace"))).setName(orEmpty(secret.string("name"))));
    }
    return b.build();
  }

  /** An icmps entry: fields with a type (number or Cilium's CamelCase name) and a family. */
  static IcmpRule icmp(DocNode n) {
    n.requireObject(Set.of("fields"), Set.of());
    IcmpRule.Builder r = IcmpRule.newBuilder();
    for (DocNode f : n.list("fields")) {
      f.requireObject(Set.of("type", "family"), Set.of());
      String family = f.string("family");
      boolean v6 = "IPv6".equals(family);
      if (family != null && !family.isEmpty() && !v6 && !family.equals("IPv4")) {
        throw InvalidFieldException.invalid(f.child("family"), "family '" + family + "' is not IPv4 or IPv6");
      }
      DocNode type = f.get("type");
      if (type == null) {
        throw InvalidFieldException.invalid(f.child("type"), "is required");
      }
      int value;
      if (type.node().isTextual() && !type.node().textValue().chars().allMatch(Character::isDigit)) {
        Integer named = (v6 ? ICMP_V6 : ICMP_V4).get(type.node().textValue());
        if (named == null) {
          throw type.error("'" + type.node().textValue() + "' is not an ICMP" + (v6 ? "v6" : "") + " type name");
        }
        value = named;
      } else {
        value = number(type, "type", 255);
      }
      r.addFields(IcmpField.newBuilder().setType(value).setFamily(v6 ? IpFamily.IP_FAMILY_IPV6 : IpFamily.IP_FAMILY_IPV4));
    }
    return r.build();
  }

  /**
   * A port given as a number or a numeric string; 0 (or absent) means every port. Named ports
   * are refused: Nodus has no pod specs to look the name up in.
   */
  static int port(DocNode n, boolean zeroAllowed) {
    if (n == null) {
      return 0;
    }
    if (n.node().isTextual() && !n.node().textValue().isEmpty() && !n.node().textValue().chars().allMatch(Character::isDigit)) {
      throw n.error("port '" + n.node().textValue() + "' is a named port; named ports are not supported, use the port number");
    }
    if (n.node().isTextual() && n.node().textValue().isEmpty()) {
      return 0;
    }
    int value = number(n, "port", 65535);
    if (value == 0 && !zeroAllowed) {
      throw n.error("port must be between 1 and 65535");
    }
    return value;
  }

  static int endPort(DocNode n) {
    if (!n.node().isIntegralNumber()) {
      throw n.error("endPort must be an integer, not " + DocNode.kind(n.node()));
    }
    return number(n, "endPort", 65535);
  }

  /** A non-negative integer up to {@code max}, given as a number or a string of digits. */
  private static int number(DocNode n, String what, int max) {
    String text;
    if (n.node().isIntegralNumber()) {
      text = n.node().asText();
    } else if (n.node().isTextual()) {
      text = n.node().textValue();
    } else if (n.node().isNumber()) {
      // 80.9 or 8e1: never rounded into a port.
      throw n.error(what + " " + n.node().asText() + " is not an integer");
    } else {
      throw n.error(what + " must be a number or a numeric string, not " + DocNode.kind(n.node()));
    }
    if (text.isEmpty() || !text.chars().allMatch(Character::isDigit) || text.length() > 6 || Integer.parseInt(text) > max) {
      throw n.error(what + " " + text + " is outside 0.." + max);
    }
    return Integer.parseInt(text);
  }

  /** The protocol of a port; Cilium's ANY (also when absent) unless {@code cilium} is false (Kubernetes: TCP). */
  static Protocol protocol(DocNode p, boolean cilium) {
    String proto = p.string("protocol");
    if (proto == null || proto.isEmpty()) {
      return cilium ? Protocol.PROTOCOL_ANY : Protocol.TCP;
    }
    return switch (proto) {
      case "TCP" -> Protocol.TCP;
      case "UDP" -> Protocol.UDP;
      case "SCTP" -> Protocol.SCTP;
      case "ANY" -> {
        if (!cilium) {
          throw InvalidFieldException.invalid(p.child("protocol"), "protocol 'ANY' is not one of TCP, UDP, SCTP");
        }
        yield Protocol.PROTOCOL_ANY;
      }
      default -> throw InvalidFieldException.invalid(p.child("protocol"),
          "protocol '" + proto + "' is not one of " + (cilium ? "TCP, UDP, SCTP, ANY" : "TCP, UDP, SCTP"));
    };
  }
}
