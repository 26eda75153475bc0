package io.nodus.state.policy;

import static io.nodus.state.policy.PolicyFixtures.ccnp;
import static io.nodus.state.policy.PolicyFixtures.cidrSet;
import static io.nodus.state.policy.PolicyFixtures.cnp;
import static io.nodus.state.policy.PolicyFixtures.endpoints;
import static io.nodus.state.policy.PolicyFixtures.peers;
import static io.nodus.state.policy.PolicyFixtures.range;
import static io.nodus.state.policy.PolicyFixtures.rule;
import static io.nodus.state.policy.PolicyFixtures.tcp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.proto.DnsRule;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Entity;
import io.nodus.state.proto.FqdnSelector;
import io.nodus.state.proto.HttpRule;
import io.nodus.state.proto.IcmpField;
import io.nodus.state.proto.IcmpRule;
import io.nodus.state.proto.KafkaRule;
import io.nodus.state.proto.L7Rules;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import io.nodus.state.proto.ServiceSelector;
import org.junit.jupiter.api.Test;

/** The model's rules, with the paths errors name (decide uses rules[i]; REST uses document paths). */
class PolicyValidatorTest {
  private static void refused(Policy p, String field, String message) {
    assertThatThrownBy(() -> PolicyValidator.validate(p, i -> "spec"))
        .isInstanceOf(InvalidFieldException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((InvalidFieldException) e).field()).isEqualTo(field));
  }

  private static Policy egress(io.nodus.state.proto.PeerRule.Builder peer) {
    return cnp("p", "default", rule("app=a").addEgress(peer));
  }

  private static PortRule l7(PortRule ports, L7Rules.Builder rules) {
    return ports.toBuilder().setRules(rules).build();
  }

  @Test
  void acceptsAPolicyUsingEveryFeature() {
    PortRule http = l7(tcp(80), L7Rules.newBuilder()
        .addHttp(HttpRule.newBuilder().setMethod("GET").setPath("/public/.*").addHeaders("X-Token: [0-9]+")));
    PortRule dns = l7(range(53, 0, Protocol.PROTOCOL_ANY), L7Rules.newBuilder().addDns(DnsRule.newBuilder().setMatchPattern("*")));
    PortRule kafka = l7(tcp(9092), L7Rules.newBuilder()
        .addKafka(KafkaRule.newBuilder().setRole("Produce").setTopic("t-1"))
        .addKafka(KafkaRule.newBuilder().setApiKey("fetch").setApiVersion("3")));
    Policy p = cnp("full", "default", rule("app=a")
        .addIngress(endpoints("app=b").addRequires(PolicyFixtures.in("env", "prod")).addToPorts(http))
        .addIngress(endpoints("app=kafka").addToPorts(kafka))
        .addEgress(peers().addFqdns(FqdnSelector.newBuilder().setMatchPattern("*.example.com.")).addToPorts(tcp(443)))
        .addEgress(endpoints("k8s-app=kube-dns").addToPorts(dns))
        .addEgress(peers().addEntities(Entity.ENTITY_WORLD).addIcmps(IcmpRule.newBuilder().addFields(IcmpField.newBuilder().setType(8))))
        .addEgress(peers().addServices(ServiceSelector.newBuilder().setK8SService(io.nodus.state.proto.K8sService.newBuilder()
            .setServiceName("db").setNamespace("prod"))))
        .addEgressDeny(cidrSet("10.0.0.0/8", "10.96.0.0/12").addToPorts(tcp(22))));
    PolicyValidator.validate(p);
  }

  @Test
  void namesTheFieldOfEachBrokenRule() {
    refused(egress(cidrSet("10.0.0.0/8", "11.0.0.0/16")), "spec.egress[0].toCIDRSet[0].except[0]", "not inside");
    refused(egress(cidrSet("10.0.0.0/8", "2001:db8::/64")), "spec.egress[0].toCIDRSet[0].except[0]", "not inside");
    refused(egress(cidrSet("10.0.0.1")), "spec.egress[0].toCIDRSet[0].cidr", "not a CIDR");
    refused(cnp("p", "default", rule("app=a").addIngress(PolicyFixtures.cidrs("1.2.3.4/40"))), "spec.ingress[0].fromCIDR[0]", "prefix length");
    refused(egress(peers().addToPorts(range(90, 80, Protocol.TCP))), "spec.egress[0].toPorts[0].ports[0].endPort", "endPort");
    refused(egress(peers().addToPorts(range(70000, 0, Protocol.TCP))), "spec.egress[0].toPorts[0].ports[0].port", "65535");
    refused(egress(peers().addToPorts(range(7, 0, Protocol.ICMP))), "spec.egress[0].toPorts[0].ports[0].protocol", "protocol");
    refused(egress(peers().addToPorts(tcp(80)).addIcmps(IcmpRule.newBuilder().addFields(IcmpField.newBuilder().setType(8)))),
        "spec.egress[0].icmps", "same rule");
    refused(egress(peers().addIcmps(IcmpRule.newBuilder().addFields(IcmpField.newBuilder().setType(300)))),
        "spec.egress[0].icmps[0].fields[0].type", "0..255");
    refused(egress(peers().addEntities(Entity.ENTITY_UNSPECIFIED)), "spec.egress[0].toEntities[0]", "unknown entity");
    refused(egress(peers().addFqdns(FqdnSelector.newBuilder().setMatchName("bad name"))), "spec.egress[0].toFQDNs[0].matchName", "DNS");
    refused(egress(peers().addFqdns(FqdnSelector.getDefaultInstance())), "spec.egress[0].toFQDNs[0]", "exactly one");
    refused(egress(peers().addServices(ServiceSelector.getDefaultInstance())), "spec.egress[0].toServices[0]", "exactly one");
    refused(cnp("p", "default", rule("app=a").addIngress(peers().addFqdns(FqdnSelector.newBuilder().setMatchName("a.com")))),
        "spec.ingress[0].toFQDNs", "egress");
  }

  @Test
  void enforcesCiliumsL7Constraints() {
    L7Rules.Builder http = L7Rules.newBuilder().addHttp(HttpRule.newBuilder().setPath("/a"));
    refused(egress(peers().addToPorts(l7(range(80, 0, Protocol.UDP), http))), "spec.egress[0].toPorts[0].ports[0].protocol", "TCP");
    refused(egress(peers().addToPorts(l7(range(0, 0, Protocol.TCP), http))), "spec.egress[0].toPorts[0].ports[0].port", "explicit port");
    refused(egress(peers().addToPorts(l7(tcp(80), L7Rules.newBuilder().addHttp(HttpRule.newBuilder().setPath("/(a"))))),
        "spec.egress[0].toPorts[0].rules.http[0].path", "regular expression");
    refused(egress(peers().addToPorts(l7(tcp(80), L7Rules.newBuilder().addHttp(HttpRule.newBuilder().setPath("/(?<=a)b"))))),
        "spec.egress[0].toPorts[0].rules.http[0].path", "lookbehind (?<=...) is not supported (RE2 syntax)");
    refused(egress(peers().addToPorts(l7(tcp(80), L7Rules.newBuilder().addHttp(HttpRule.newBuilder().setMethod("(GET)\\1"))))),
        "spec.egress[0].toPorts[0].rules.http[0].method", "backreference \\1");
    refused(egress(peers().addToPorts(l7(tcp(80), L7Rules.newBuilder().addHttp(HttpRule.newBuilder().setHost("a++.com"))))),
        "spec.egress[0].toPorts[0].rules.http[0].host", "possessive quantifier");
    refused(egress(peers().addToPorts(l7(tcp(80), http.clone().addDns(DnsRule.newBuilder().setMatchName("a.com"))))),
        "spec.egress[0].toPorts[0].rules", "one kind");
    refused(cnp("p", "default", rule("app=a").addIngress(peers().addToPorts(l7(range(53, 0, Protocol.UDP),
        L7Rules.newBuilder().addDns(DnsRule.newBuilder().setMatchName("a.com")))))), "spec.ingress[0].toPorts[0].rules.dns", "egress");
    refused(egress(peers().addToPorts(l7(range(53, 60, Protocol.UDP), L7Rules.newBuilder().addDns(DnsRule.newBuilder().setMatchName("a.com"))))),
        "spec.egress[0].toPorts[0].ports[0].endPort", "ranges");
    refused(cnp("p", "default", rule("app=a").addEgressDeny(peers().addToPorts(l7(tcp(80), http)))),
        "spec.egressDeny[0].toPorts[0].rules", "deny");
    refused(egress(peers().addToPorts(l7(tcp(9092), L7Rules.newBuilder().addKafka(KafkaRule.newBuilder().setRole("produce").setApiKey("fetch"))))),
        "spec.egress[0].toPorts[0].rules.kafka[0].apiKey", "together");
    refused(egress(peers().addToPorts(l7(tcp(9092), L7Rules.newBuilder().addKafka(KafkaRule.newBuilder().setApiKey("explode"))))),
        "spec.egress[0].toPorts[0].rules.kafka[0].apiKey", "Kafka API key");
    refused(egress(peers().addToPorts(l7(tcp(9092), L7Rules.newBuilder().addKafka(KafkaRule.newBuilder().setTopic("a/b"))))),
        "spec.egress[0].toPorts[0].rules.kafka[0].topic", "topic");
  }

  @Test
  void checksSelectorsKindsAndNodeSelectors() {
    EndpointSelector badKey = EndpointSelector.newBuilder().addMatchLabels(io.nodus.state.model.Labels.label("any", "-x", "1")).build();
    refused(cnp("p", "default", PolicyRule.newBuilder().setEndpointSelector(badKey)), "spec.endpointSelector.matchLabels.-x", "label key");
    refused(cnp("p", "default", PolicyRule.newBuilder()), "spec.endpointSelector", "required");
    refused(cnp("p", "default", PolicyRule.newBuilder().setNodeSelector(EndpointSelector.getDefaultInstance())), "spec.nodeSelector",
        "CiliumClusterwideNetworkPolicy");
    refused(ccnp("p", rule("a=b").setNodeSelector(EndpointSelector.getDefaultInstance())), "spec.nodeSelector", "not both");
    refused(ccnp("p", rule("a=b")).toBuilder().setNamespace("default").build(), "metadata.namespace", "cluster-wide");
    refused(cnp("p", "", rule("a=b")), "metadata.namespace", "needs a namespace");
    refused(cnp("p", "default", rule("a=b")).toBuilder().setKind("Pod").build(), "kind", "kind");
    PolicyValidator.validate(ccnp("host", PolicyRule.newBuilder().setNodeSelector(EndpointSelector.getDefaultInstance())
        .addIngress(PolicyFixtures.entities(Entity.ENTITY_REMOTE_NODE))));
  }
}
