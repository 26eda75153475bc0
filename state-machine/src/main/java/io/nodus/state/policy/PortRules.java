package io.nodus.state.policy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Names;
import io.nodus.state.proto.DnsRule;
import io.nodus.state.proto.FqdnSelector;
import io.nodus.state.proto.HeaderMatch;
import io.nodus.state.proto.HttpRule;
import io.nodus.state.proto.IcmpField;
import io.nodus.state.proto.IcmpRule;
import io.nodus.state.proto.IpFamily;
import io.nodus.state.proto.KafkaRule;
import io.nodus.state.proto.L7Rules;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validation of the L4 and L7 part of a peer rule: {@code toPorts} (ports, ranges, protocols and
 * the http/kafka/dns {@code rules}) and {@code icmps}, with Cilium's constraints (L7 rules only
 * on TCP ports other than 0, DNS only on egress and on single ports, one L7 kind per port rule,
 * at most 40 ports or ICMP fields per entry, icmps and toPorts not in the same rule).
 */
public final class PortRules {
  /** Cilium's limit on ports per toPorts entry and fields per icmps entry. */
  public static final int MAX_PORTS = 40;

  /** Kafka API keys by name (https://kafka.apache.org/protocol#protocol_api_keys), as Cilium accepts them. */
  public static final Map<String, Integer> KAFKA_API_KEYS = Map.ofEntries(
      Map.entry("produce", 0), Map.entry("fetch", 1), Map.entry("offsets", 2), Map.entry("metadata", 3),
      Map.entry("leaderandisr", 4), Map.entry("stopreplica", 5), Map.entry("updatemetadata", 6),
      Map.entry("controlledshutdown", 7), Map.entry("offsetcommit", 8), Map.entry("offsetfetch", 9),
      Map.entry("findcoordinator", 10), Map.entry("joingroup", 11), Map.entry("heartbeat", 12),
      Map.entry("leavegroup", 13), Map.entry("syncgroup", 14), Map.entry("describegroups", 15),
      Map.entry("listgroups", 16), Map.entry("saslhandshake", 17), Map.entry("apiversions", 18),
      Map.entry("createtopics", 19), Map.entry("deletetopics", 20), Map.entry("deleterecords", 21),
      Map.entry("initproducerid", 22), Map.entry("offsetforleaderepoch", 23), Map.entry("addpartitionstotxn", 24),
      Map.entry("addoffsetstotxn", 25), Map.entry("endtxn", 26), Map.entry("writetxnmarkers", 27),
      Map.entry("txnoffsetcommit", 28), Map.entry("describeacls", 29), Map.entry("createacls", 30),
      Map.entry("deleteacls", 31), Map.entry("describeconfigs", 32), Map.entry("alterconfigs", 33));
  private static final Set<String> KAFKA_ROLES = Set.of("produce", "consume");
  private static final Pattern KAFKA_TOPIC = Pattern.compile("[a-zA-Z0-9._-]+");
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private PortRules() {}

  /** Validates {@code rule}'s toPorts and icmps; {@code path} names the rule, e.g. {@code spec.egress[0]}. */
  public static void validate(PeerRule rule, String path, boolean ingress, boolean deny) {
    if (rule.getIcmpsCount() > 0 && rule.getToPortsCount() > 0) {
      throw InvalidFieldException.invalid(path + ".icmps", "icmps and toPorts cannot be in the same rule; use two rules");
    }
    for (int j = 0; j < rule.getToPortsCount(); j++) {
      validatePortRule(rule.getToPorts(j), path + ".toPorts[" + j + "]", ingress, deny);
    }
    for (int j = 0; j < rule.getIcmpsCount(); j++) {
      validateIcmp(rule.getIcmps(j), path + ".icmps[" + j + "]");
    }
  }

  private static void validatePortRule(PortRule rule, String path, boolean ingress, boolean deny) {
    if (rule.getPortsCount() == 0) {
      throw InvalidFieldException.invalid(path + ".ports", "a toPorts entry needs at least one port");
    }
    if (rule.getPortsCount() > MAX_PORTS) {
      throw InvalidFieldException.invalid(path + ".ports", "too many ports: " + rule.getPortsCount() + " (at most " + MAX_PORTS + ")");
    }
    for (int i = 0; i < rule.getPortsCount(); i++) {
      validatePort(rule.getPorts(i), path + ".ports[" + i + "]");
    }
    if (!rule.hasRules()) {
      return;
    }
    if (deny) {
      throw InvalidFieldException.invalid(path + ".rules", "deny rules cannot carry L7 rules");
    }
    L7Rules l7 = rule.getRules();
    int kinds = (l7.getHttpCount() > 0 ? 1 : 0) + (l7.getKafkaCount() > 0 ? 1 : 0) + (l7.getDnsCount() > 0 ? 1 : 0);
    if (kinds == 0) {
      return;
    }
    if (kinds > 1) {
      throw InvalidFieldException.invalid(path + ".rules", "one toPorts entry takes one kind of L7 rules (http, kafka or dns)");
    }
    boolean dns = l7.getDnsCount() > 0;
    if (dns && ingress) {
      throw InvalidFieldException.invalid(path + ".rules.dns", "DNS rules are only allowed on egress");
    }
    for (int i = 0; i < rule.getPortsCount(); i++) {
      PortProtocol pp = rule.getPorts(i);
      String p = path + ".ports[" + i + "]";
      if (pp.getPort() == 0) {
        throw InvalidFieldException.invalid(p + ".port", "L7 rules need an explicit port, not 0");
      }
      if (dns && pp.getEndPort() > pp.getPort()) {
        throw InvalidFieldException.invalid(p + ".endPort", "DNS rules do not support port ranges");
      }
      boolean ok = dns ? pp.getProtocol() != Protocol.SCTP : pp.getProtocol() == Protocol.TCP;
      if (!ok) {
        throw InvalidFieldException.invalid(p + ".protocol", dns
            ? "DNS rules apply to TCP, UDP or ANY ports" : "HTTP and Kafka rules apply to TCP ports only; set protocol: TCP");
      }
    }
    for (int i = 0; i < l7.getHttpCount(); i++) {
      validateHttp(l7.getHttp(i), path + ".rules.http[" + i + "]");
    }
    for (int i = 0; i < l7.getKafkaCount(); i++) {
      validateKafka(l7.getKafka(i), path + ".rules.kafka[" + i + "]");
    }
    for (int i = 0; i < l7.getDnsCount(); i++) {
      DnsRule d = l7.getDns(i);
      PolicyValidator.validateFqdn(FqdnSelector.newBuilder().setMatchName(d.getMatchName()).setMatchPattern(d.getMatchPattern()).build(),
          path + ".rules.dns[" + i + "]");
    }
  }

  /** A port 0..65535 (0 = all), an optional range end and a protocol usable in toPorts. */
  public static void validatePort(PortProtocol pp, String path) {
    if (pp.getPort() > 65535) {
      throw InvalidFieldException.invalid(path + ".port", "port " + pp.getPort() + " is outside 0..65535");
    }
    if (pp.getEndPort() != 0 && (pp.getEndPort() > 65535 || pp.getEndPort() < pp.getPort() || pp.getPort() == 0)) {
      throw InvalidFieldException.invalid(path + ".endPort",
          "endPort " + pp.getEndPort() + " must be at least port " + pp.getPort() + " (non-zero) and at most 65535");
    }
    if (pp.getProtocol() == Protocol.UNRECOGNIZED || pp.getProtocol() == Protocol.ICMP) {
      throw InvalidFieldException.invalid(path + ".protocol", "protocol must be TCP, UDP, SCTP or ANY (ICMP goes in icmps)");
    }
  }

  private static void validateHttp(HttpRule h, String path) {
    // Regexes in the proxies' dialect; header values are exact strings in Cilium, not patterns.
    Re2Syntax.validate(h.getMethod(), path + ".method");
    Re2Syntax.validate(h.getPath(), path + ".path");
    Re2Syntax.validate(h.getHost(), path + ".host");
    for (int i = 0; i < h.getHeadersCount(); i++) {
      String header = h.getHeaders(i);
      int colon = header.indexOf(':');
      String name = (colon < 0 ? header : header.substring(0, colon)).trim();
      if (!HEADER_NAME.matcher(name).matches()) {
        throw InvalidFieldException.invalid(path + ".headers[" + i + "]", "'" + header + "' is not 'Name' or 'Name: value'");
      }
    }
    for (int i = 0; i < h.getHeaderMatchesCount(); i++) {
      HeaderMatch m = h.getHeaderMatches(i);
      String p = path + ".headerMatches[" + i + "]";
      if (!HEADER_NAME.matcher(m.getName()).matches()) {
        throw InvalidFieldException.invalid(p + ".name", "header name '" + m.getName() + "' is missing or invalid");
      }
      if (m.getMismatch() == HeaderMatch.Mismatch.UNRECOGNIZED) {
        throw InvalidFieldException.invalid(p + ".mismatch", "mismatch must be LOG, ADD, DELETE or REPLACE");
      }
      if (m.hasSecret()) {
        Names.requireDnsSubdomain(m.getSecret().getName(), p + ".secret.name");
        if (!m.getSecret().getNamespace().isEmpty()) {
          Names.requireDnsLabel(m.getSecret().getNamespace(), p + ".secret.namespace");
        }
      }
    }
  }

  private static void validateKafka(KafkaRule k, String path) {
    if (!k.getRole().isEmpty() && !k.getApiKey().isEmpty()) {
      throw InvalidFieldException.invalid(path + ".apiKey", "role and apiKey cannot be set together");
    }
    if (!k.getRole().isEmpty() && !KAFKA_ROLES.contains(k.getRole().toLowerCase(Locale.ROOT))) {
      throw InvalidFieldException.invalid(path + ".role", "role '" + k.getRole() + "' is not produce or consume");
    }
    if (!k.getApiKey().isEmpty() && !KAFKA_API_KEYS.containsKey(k.getApiKey().toLowerCase(Locale.ROOT))) {
      throw InvalidFieldException.invalid(path + ".apiKey", "'" + k.getApiKey() + "' is not a Kafka API key");
    }
    String v = k.getApiVersion();
    if (!v.isEmpty() && (v.length() > 5 || !v.chars().allMatch(Character::isDigit) || Integer.parseInt(v) > Short.MAX_VALUE)) {
      throw InvalidFieldException.invalid(path + ".apiVersion", "apiVersion '" + v + "' is not an integer 0.." + Short.MAX_VALUE);
    }
    String t = k.getTopic();
    if (!t.isEmpty() && (t.length() > 255 || !KAFKA_TOPIC.matcher(t).matches())) {
      throw InvalidFieldException.invalid(path + ".topic", "topic '" + t + "' is not a Kafka topic name (letters, digits, '.', '_', '-', at most 255)");
    }
  }

  private static void validateIcmp(IcmpRule rule, String path) {
    if (rule.getFieldsCount() == 0) {
      throw InvalidFieldException.invalid(path + ".fields", "an icmps entry needs at least one field");
    }
    if (rule.getFieldsCount() > MAX_PORTS) {
      throw InvalidFieldException.invalid(path + ".fields", "too many ICMP fields: " + rule.getFieldsCount() + " (at most " + MAX_PORTS + ")");
    }
    for (int i = 0; i < rule.getFieldsCount(); i++) {
      IcmpField f = rule.getFields(i);
      if (f.getFamily() == IpFamily.UNRECOGNIZED) {
        throw InvalidFieldException.invalid(path + ".fields[" + i + "].family", "family must be IPv4 or IPv6");
      }
      if (f.getType() > 255) {
        throw InvalidFieldException.invalid(path + ".fields[" + i + "].type", "ICMP type " + f.getType() + " is outside 0..255");
      }
    }
  }
}
