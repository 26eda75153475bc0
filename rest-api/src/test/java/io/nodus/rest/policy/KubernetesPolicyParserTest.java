package io.nodus.rest.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.state.CommandApplier;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.policy.CidrIdentities;
import io.nodus.state.policy.EndpointPolicy;
import io.nodus.state.policy.PolicyEntry;
import io.nodus.state.policy.PolicyEntry.Direction;
import io.nodus.state.policy.PolicyResolver;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.RegisterNode;
import io.nodus.state.proto.UpsertPolicy;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Kubernetes NetworkPolicies converted into the model, and what they then mean for endpoints. */
class KubernetesPolicyParserTest {
  private static final int HOST = ReservedIdentity.HOST.id();
  private ClusterImage image;
  private long index;

  @BeforeEach
  void setUp() {
    image = ClusterImage.EMPTY;
    apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("n1")).build());
    endpoint("db", "default", "role=db");
    endpoint("frontend", "default", "role=frontend");
    endpoint("intruder", "other", "role=frontend");
    endpoint("tagged", "other", LabelSelectorsKeys.PROJECT + "=myproject");
    endpoint("dns", "kube-system", "k8s-app=kube-dns");
    endpoint("web", "default", "app=web");
  }

  /** Label keys of namespace labels as pods carry them in Cilium's convention. */
  private static final class LabelSelectorsKeys {
    static final String PROJECT = io.nodus.state.policy.LabelSelectors.NAMESPACE_LABELS_PREFIX + "project";
  }

  private CommandResult apply(Command c) {
    CommandApplier.Applied a = CommandApplier.apply(image, LoggedCommand.newBuilder()
        .setCommand(c.toBuilder().setRequestId("k8s-test-" + index)).setLeaderTimeMillis(1_000 + index).build(), ++index);
    image = a.image();
    return a.result();
  }

  private void endpoint(String name, String namespace, String... labels) {
    LabelSet.Builder set = LabelSet.newBuilder();
    Arrays.stream(labels).map(l -> Labels.parse(l, Labels.SOURCE_K8S)).forEach(set::addLabels);
    CommandResult r = apply(Command.newBuilder().setCreateEndpoint(CreateEndpoint.newBuilder()
        .setName(name).setNode("n1").setNamespace(namespace).setLabels(set)).build());
    assertThat(r.hasAccepted()).as(r.toString()).isTrue();
  }

  private Policy upsert(String yaml) {
    Policy p = PolicyDocuments.parse(yaml, PolicyDocuments.YAML);
    CommandResult r = apply(Command.newBuilder().setUpsertPolicy(UpsertPolicy.newBuilder().setPolicy(p)).build());
    assertThat(r.hasAccepted()).as(r.toString()).isTrue();
    return p;
  }

  private EndpointPolicy policyOf(String endpoint) {
    return PolicyResolver.resolve(image, image.endpoints().get(endpoint).orElseThrow().getLabels());
  }

  private int id(String endpoint) {
    return image.endpoints().get(endpoint).orElseThrow().getIdentity();
  }

  private int cidrId(String prefix) {
    return image.identities().idOf(CidrIdentities.labels(Cidr.parse(prefix, ""))).orElseThrow();
  }

  private static PolicyEntry tcp(int identity, int port, Direction dir) {
    return new PolicyEntry(identity, port, 6, dir, false);
  }

  @Test
  void convertsTheKubernetesWebsiteExampleAndEnforcesItsMeaning() {
    Policy p = upsert(ConformanceCorpus.render(ConformanceCorpus.root().resolve("k8s-netpol/kubernetes-website/networkpolicy.yaml")));
    assertThat(p.getKind()).isEqualTo("NetworkPolicy");
    assertThat(p.getNamespace()).isEqualTo("default");
    EndpointPolicy db = policyOf("db");
    assertThat(db.ingressEnforced()).isTrue();
    assertThat(db.egressEnforced()).isTrue();
    assertThat(db.entries()).containsExactlyInAnyOrder(
        new PolicyEntry(HOST, 0, 0, Direction.INGRESS, false),
        tcp(id("frontend"), 6379, Direction.INGRESS),
        tcp(id("tagged"), 6379, Direction.INGRESS),
        tcp(cidrId("172.17.0.0/16"), 6379, Direction.INGRESS),
        tcp(cidrId("10.0.0.0/24"), 5978, Direction.EGRESS));
    assertThat(db.entries()).extracting(PolicyEntry::identity).doesNotContain(id("intruder"), cidrId("172.17.1.0/24"));
    assertThat(policyOf("frontend")).isEqualTo(EndpointPolicy.UNENFORCED);
  }

  @Test
  void anEmptyIngressListDeniesAndAnEmptyRuleAllowsEverything() {
    upsert("""
        kind: NetworkPolicy
        apiVersion: networking.k8s.io/v1
        metadata: {name: web-deny-all}
        spec:
          podSelector: {matchLabels: {app: web}}
          ingress: []
        """);
    EndpointPolicy deny = policyOf("web");
    assertThat(deny.ingressEnforced()).isTrue();
    assertThat(deny.egressEnforced()).isFalse();
    assertThat(deny.entries()).containsExactly(new PolicyEntry(HOST, 0, 0, Direction.INGRESS, false));
    upsert("""
        kind: NetworkPolicy
        apiVersion: networking.k8s.io/v1
        metadata: {name: web-deny-all}
        spec:
          podSelector: {matchLabels: {app: web}}
          ingress: [{}]
        """);
    assertThat(policyOf("web").entries()).contains(new PolicyEntry(0, 0, 0, Direction.INGRESS, false));
  }

  @Test
  void policyTypesDecideTheDirectionsAndAPortWithoutProtocolIsTcp() {
    upsert("""
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-only}
        spec:
          podSelector: {}
          policyTypes: [Egress]
          ingress: [{}]
          egress:
          - ports: [{port: 53, protocol: UDP}, {port: 8000, endPort: 8100}, {protocol: SCTP}]
        """);
    EndpointPolicy web = policyOf("web");
    assertThat(web.ingressEnforced()).isFalse();
    assertThat(web.entries()).containsExactlyInAnyOrder(
        new PolicyEntry(0, 53, 17, Direction.EGRESS, false),
        new PolicyEntry(0, 8000, 8100, 6, Direction.EGRESS, false),
        new PolicyEntry(0, 0, 132, Direction.EGRESS, false));
    assertThat(policyOf("intruder")).isEqualTo(EndpointPolicy.UNENFORCED);
  }

  @Test
  void namespaceSelectorsFollowCiliumsConventionAndTheNamespaceNameLabel() {
    upsert(ConformanceCorpus.render(ConformanceCorpus.root().resolve("k8s-netpol/ahmetb/11-deny-egress-traffic-from-an-application-2.yaml"))
        .replace("app: foo", "app: web"));
    assertThat(policyOf("web").entries()).containsExactlyInAnyOrder(
        new PolicyEntry(id("dns"), 53, 17, Direction.EGRESS, false), new PolicyEntry(id("dns"), 53, 6, Direction.EGRESS, false));
    upsert(ConformanceCorpus.render(ConformanceCorpus.root().resolve("k8s-netpol/ahmetb/05-allow-traffic-from-all-namespaces.yaml")));
    assertThat(policyOf("web").entries()).extracting(PolicyEntry::identity)
        .contains(id("intruder"), id("dns"), id("db"), id("tagged"))
        .doesNotContain(ReservedIdentity.WORLD.id());
  }

  @Test
  void refusesNamedPortsAndMalformedPeersWithKubernetesPaths() {
    String base = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: bad}
        spec:
          podSelector: {}
          ingress:
          - %s
        """;
    assertField(base.formatted("ports: [{port: http}]"), "spec.ingress[0].ports[0].port", "named port");
    assertField(base.formatted("ports: [{port: 0}]"), "spec.ingress[0].ports[0].port", "1 and 65535");
    assertField(base.formatted("ports: [{port: 80, protocol: ANY}]"), "spec.ingress[0].ports[0].protocol", "TCP, UDP, SCTP");
    assertField(base.formatted("ports: [{port: 90, endPort: 80}]"), "spec.ingress[0].ports[0].endPort", "endPort");
    assertField(base.formatted("from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]"), "spec.ingress[0].from[0]", "ipBlock");
    assertField(base.formatted("from: [{}]"), "spec.ingress[0].from[0]", "peer needs");
    assertField(base.formatted("from: [{ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16]}}]"), "spec.ingress[0].from[0].ipBlock.except[0]", "inside");
    assertField(base.formatted("from: [{ipBlock: {cidr: 10.0.0.1/8}}]"), "spec.ingress[0].from[0].ipBlock.cidr", "host bits");
    assertField(base.formatted("from: [{namespaceSelector: {matchLabels: {'bad key': x}}}]"),
        "spec.ingress[0].from[0].namespaceSelector.matchLabels.bad key", "label key");
    assertField(base.formatted("from: [{podSelector: {matchExpressions: [{key: a, operator: In}]}}]"),
        "spec.ingress[0].from[0].podSelector.matchExpressions[0].values", "at least one value");
    assertField(base.formatted("fromm: []"), "spec.ingress[0].fromm", "unknown field");
    assertField(base.formatted("{}").replace("podSelector: {}\n", "podSelector: {}\n  policyTypes: [ingress]\n"),
        "spec.policyTypes[0]", "Ingress or Egress");
    assertField(base.formatted("{}").replace("  podSelector: {}\n", ""), "spec.podSelector", "required");
    assertField(base.formatted("{}").replace("networking.k8s.io/v1", "extensions/v1beta1"), "apiVersion", "networking.k8s.io/v1");
  }

  private static void assertField(String yaml, String field, String message) {
    assertThatThrownBy(() -> PolicyDocuments.parse(yaml, PolicyDocuments.YAML))
        .isInstanceOf(InvalidFieldException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((InvalidFieldException) e).field()).isEqualTo(field));
  }
}
