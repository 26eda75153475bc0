package io.nodus.rest.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.Entity;
import io.nodus.state.proto.HeaderMatch;
import io.nodus.state.proto.IpFamily;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.Protocol;
import org.junit.jupiter.api.Test;

/** Every field of the CiliumNetworkPolicy model, parsed into the model. */
class CiliumPolicyParserTest {
  static final String FULL = """
      apiVersion: cilium.io/v2
      kind: CiliumNetworkPolicy
      description: legacy text
      metadata:
        name: full
        namespace: prod
        labels: {team: a}
        annotations: {example.com/owner: me}
      specs:
      - endpointSelector:
          matchLabels: {app: web, "k8s:tier": front}
          matchExpressions:
          - {key: env, operator: In, values: [prod, stage]}
        labels:
        - {key: rule, value: one, source: k8s}
        enableDefaultDeny: {ingress: true, egress: false}
        ingress:
        - fromEndpoints: [{matchLabels: {app: client}}]
          fromRequires: [{matchLabels: {env: prod}}]
          toPorts:
          - ports: [{port: "80", protocol: TCP}, {port: 8080, endPort: 8090, protocol: TCP}]
            rules:
              http:
              - method: GET
                path: /public/.*
                host: example.com
                headers: ["X-Token: [0-9]+"]
                headerMatches:
                - {name: Authorization, mismatch: REPLACE, secret: {namespace: prod, name: token}}
        - fromCIDR: [192.0.2.1, 198.51.100.0/24]
          fromCIDRSet: [{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}]
          fromEntities: [world, remote-node, kube-apiserver]
        - fromEndpoints: [{}]
          icmps: [{fields: [{type: 8}, {type: EchoRequest, family: IPv6}, {type: "0"}]}]
        ingressDeny:
        - fromEntities: [host]
          toPorts: [{ports: [{port: "22"}]}]
        egress:
        - toServices:
          - k8sService: {serviceName: db, namespace: prod}
          - k8sServiceSelector: {selector: {matchLabels: {svc: x}}, namespace: prod}
        - toFQDNs: [{matchName: example.com}, {matchPattern: "*.example.org"}]
          toPorts: [{ports: [{port: "443", protocol: TCP}]}]
        - toEndpoints: [{matchLabels: {k8s-app: kube-dns}}]
          toRequires: [{matchExpressions: [{key: zone, operator: Exists}]}]
          toPorts: [{ports: [{port: "53", protocol: ANY}], rules: {dns: [{matchPattern: "*"}, {matchName: a.example.com}]}}]
        - toEndpoints: [{matchLabels: {app: kafka}}]
          toPorts:
          - ports: [{port: "9092", protocol: TCP}]
            rules: {kafka: [{role: produce, topic: t}, {apiKey: fetch, apiVersion: "3", clientID: c1}]}
        egressDeny:
        - toCIDRSet: [{cidr: "2001:db8::/32", except: ["2001:db8::1/128"]}]
          toCIDR: [198.51.100.7]
      - endpointSelector: {}
        description: second
        egress: [{}]
      """;

  @Test
  void parsesEveryFieldOfTheModel() {
    Policy p = PolicyDocuments.parse(FULL, PolicyDocuments.YAML);
    assertThat(p.getName()).isEqualTo("full");
    assertThat(p.getNamespace()).isEqualTo("prod");
    assertThat(p.getLabels().getLabelsList()).containsExactly(Labels.label("k8s", "team", "a"));
    assertThat(p.getRulesCount()).isEqualTo(2);
    PolicyRule r = p.getRules(0);
    assertThat(r.getDescription()).isEqualTo("legacy text");
    assertThat(p.getRules(1).getDescription()).isEqualTo("second");
    assertThat(r.getEndpointSelector().getMatchLabelsList())
        .containsExactlyInAnyOrder(Labels.label("any", "app", "web"), Labels.label("k8s", "tier", "front"));
    assertThat(r.getEndpointSelector().getMatchExpressions(0).getOperator()).isEqualTo(LabelSelectorRequirement.Operator.IN);
    assertThat(r.getLabelsList()).containsExactly(Labels.label("k8s", "rule", "one"));
    assertThat(r.getEnableDefaultDeny().getIngress()).isTrue();
    assertThat(r.getEnableDefaultDeny().hasEgress()).isTrue();
    assertThat(r.getEnableDefaultDeny().getEgress()).isFalse();

    PeerRule l7 = r.getIngress(0);
    assertThat(l7.getRequires(0).getMatchLabelsList()).containsExactly(Labels.label("any", "env", "prod"));
    assertThat(l7.getToPorts(0).getPortsList()).extracting(pp -> pp.getPort() + "-" + pp.getEndPort() + "/" + pp.getProtocol())
        .containsExactly("80-0/TCP", "8080-8090/TCP");
    var http = l7.getToPorts(0).getRules().getHttp(0);
    assertThat(http.getMethod()).isEqualTo("GET");
    assertThat(http.getPath()).isEqualTo("/public/.*");
    assertThat(http.getHost()).isEqualTo("example.com");
    assertThat(http.getHeadersList()).containsExactly("X-Token: [0-9]+");
    assertThat(http.getHeaderMatches(0).getMismatch()).isEqualTo(HeaderMatch.Mismatch.REPLACE);
    assertThat(http.getHeaderMatches(0).getSecret().getName()).isEqualTo("token");

    PeerRule l3 = r.getIngress(1);
    assertThat(l3.getCidrsList()).containsExactly("192.0.2.1", "198.51.100.0/24");
    assertThat(l3.getCidrSet(0).getExceptList()).containsExactly("10.96.0.0/12");
    assertThat(l3.getEntitiesList()).containsExactly(Entity.ENTITY_WORLD, Entity.ENTITY_REMOTE_NODE, Entity.ENTITY_KUBE_APISERVER);
    assertThat(r.getIngress(2).getIcmps(0).getFieldsList()).extracting(f -> f.getFamily() + ":" + f.getType())
        .containsExactly(IpFamily.IP_FAMILY_IPV4 + ":8", IpFamily.IP_FAMILY_IPV6 + ":128", IpFamily.IP_FAMILY_IPV4 + ":0");
    assertThat(r.getIngressDeny(0).getToPorts(0).getPorts(0).getProtocol()).isEqualTo(Protocol.PROTOCOL_ANY);

    assertThat(r.getEgress(0).getServices(0).getK8SService().getServiceName()).isEqualTo("db");
    assertThat(r.getEgress(0).getServices(1).getK8SServiceSelector().getSelector().getMatchLabels(0).getKey()).isEqualTo("svc");
    assertThat(r.getEgress(1).getFqdnsList()).extracting(f -> f.getMatchName() + "|" + f.getMatchPattern())
        .containsExactly("example.com|", "|*.example.org");
    assertThat(r.getEgress(2).getToPorts(0).getRules().getDnsCount()).isEqualTo(2);
    assertThat(r.getEgress(2).getRequires(0).getMatchExpressions(0).getOperator()).isEqualTo(LabelSelectorRequirement.Operator.EXISTS);
    assertThat(r.getEgress(3).getToPorts(0).getRules().getKafka(1).getClientId()).isEqualTo("c1");
    assertThat(r.getEgressDeny(0).getCidrSet(0).getCidr()).isEqualTo("2001:db8::/32");
    assertThat(r.getEgressDeny(0).getCidrsList()).containsExactly("198.51.100.7");
    assertThat(p.getRules(1).getEgressList()).containsExactly(PeerRule.getDefaultInstance());
  }

  @Test
  void parsesTheSameModelFromJson() throws Exception {
    var yaml = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();
    String json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(yaml.readTree(FULL));
    Policy fromJson = PolicyDocuments.parse(json, PolicyDocuments.JSON);
    Policy fromYaml = PolicyDocuments.parse(FULL, PolicyDocuments.YAML);
    assertThat(fromJson.toBuilder().clearOriginalDocument().clearOriginalFormat().build())
        .isEqualTo(fromYaml.toBuilder().clearOriginalDocument().clearOriginalFormat().build());
  }

  @Test
  void aClusterwidePolicyMayUseANodeSelector() {
    Policy p = PolicyDocuments.parse("""
        apiVersion: cilium.io/v2
        kind: CiliumClusterwideNetworkPolicy
        metadata: {name: host-fw}
        spec:
          nodeSelector: {matchLabels: {role: worker}}
          ingress: [{fromEntities: [cluster]}]
        """, PolicyDocuments.YAML);
    assertThat(p.getNamespace()).isEmpty();
    assertThat(p.getRules(0).hasNodeSelector()).isTrue();
    assertThat(p.getRules(0).hasEndpointSelector()).isFalse();
  }

  @Test
  void refusesDenyRulesWithL7AndFqdns() {
    String base = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: d}
        spec:
          endpointSelector: {}
          egressDeny:
          - %s
        """;
    assertThatThrownBy(() -> PolicyDocuments.parse(base.formatted("toFQDNs: [{matchName: a.com}]"), PolicyDocuments.YAML))
        .isInstanceOf(InvalidFieldException.class)
        .satisfies(e -> assertThat(((InvalidFieldException) e).field()).isEqualTo("spec.egressDeny[0].toFQDNs"));
    assertThatThrownBy(() -> PolicyDocuments.parse(base.formatted(
        "toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{path: /}]}}]"), PolicyDocuments.YAML))
        .satisfies(e -> assertThat(((InvalidFieldException) e).field()).isEqualTo("spec.egressDeny[0].toPorts[0].rules"));
  }
}
