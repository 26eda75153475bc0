package io.nodus.state.policy;

import static io.nodus.state.Fixtures.createEndpoint;
import static io.nodus.state.Fixtures.registerNode;
import static io.nodus.state.policy.PolicyFixtures.ccnp;
import static io.nodus.state.policy.PolicyFixtures.cidrSet;
import static io.nodus.state.policy.PolicyFixtures.cidrs;
import static io.nodus.state.policy.PolicyFixtures.cnp;
import static io.nodus.state.policy.PolicyFixtures.endpoints;
import static io.nodus.state.policy.PolicyFixtures.entities;
import static io.nodus.state.policy.PolicyFixtures.in;
import static io.nodus.state.policy.PolicyFixtures.peers;
import static io.nodus.state.policy.PolicyFixtures.range;
import static io.nodus.state.policy.PolicyFixtures.rule;
import static io.nodus.state.policy.PolicyFixtures.tcp;
import static io.nodus.state.policy.PolicyFixtures.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.Fixtures;
import io.nodus.state.Fixtures.Driver;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.Labels;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.policy.PolicyEntry.Direction;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.DefaultDeny;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Entity;
import io.nodus.state.proto.FqdnSelector;
import io.nodus.state.proto.HttpRule;
import io.nodus.state.proto.IcmpField;
import io.nodus.state.proto.IcmpRule;
import io.nodus.state.proto.IpFamily;
import io.nodus.state.proto.K8sService;
import io.nodus.state.proto.L7Rules;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import io.nodus.state.proto.ServiceSelector;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cilium's policy meaning: deny, entities, CIDRs, namespaces and default deny. */
class PolicySemanticsTest {
  private static final Direction IN = Direction.INGRESS;
  private static final Direction OUT = Direction.EGRESS;
  private static final int HOST = ReservedIdentity.HOST.id();
  private static final int WORLD = ReservedIdentity.WORLD.id();
  private Driver d;

  @BeforeEach
  void setUp() {
    d = new Driver();
    d.apply(registerNode("n1"));
    d.apply(createEndpoint("client", "n1", "app=client"));
    d.apply(createEndpoint("server", "n1", "app=server"));
    d.apply(Command.newBuilder().setRequestId("ce-prod").setCreateEndpoint(CreateEndpoint.newBuilder().setName("prod-client")
        .setNode("n1").setNamespace("prod").setLabels(LabelSet.newBuilder().addLabels(Labels.label("k8s", "app", "client")))).build());
  }

  private void apply(Policy p) {
    assertThat(d.apply(upsert(p)).hasAccepted()).as("policy %s accepted", p.getName()).isTrue();
  }

  private EndpointPolicy policyOf(String endpoint) {
    return PolicyResolver.resolve(d.image(), d.image().endpoints().get(endpoint).orElseThrow().getLabels());
  }

  private int id(String endpoint) {
    return d.image().endpoints().get(endpoint).orElseThrow().getIdentity();
  }

  private int cidrId(String prefix) {
    return d.image().identities().idOf(CidrIdentities.labels(Cidr.parse(prefix, ""))).orElseThrow();
  }

  private static PolicyEntry allow(int identity, Direction dir) {
    return new PolicyEntry(identity, 0, 0, dir, false);
  }

  private static PolicyEntry deny(int identity, Direction dir) {
    return new PolicyEntry(identity, 0, 0, dir, true);
  }

  @Test
  void aDenyRuleProducesDenyEntriesBesideTheAllows() {
    apply(cnp("p", "default", rule("app=client").addEgress(entities(Entity.ENTITY_ALL)).addEgressDeny(endpoints("app=server"))));
    EndpointPolicy p = policyOf("client");
    assertThat(p.egressEnforced()).isTrue();
    assertThat(p.ingressEnforced()).isFalse();
    assertThat(p.entries()).containsExactlyInAnyOrder(allow(0, OUT), deny(id("server"), OUT));
  }

  @Test
  void anIngressDenyListAloneTurnsOnDefaultDenyAndMayDenyTheHost() {
    apply(cnp("p", "default", rule("app=server").addIngressDeny(entities(Entity.ENTITY_HOST))));
    EndpointPolicy p = policyOf("server");
    assertThat(p.ingressEnforced()).isTrue();
    // The allow-localhost default stays, and the explicit deny wins over it in the datapath.
    assertThat(p.entries()).containsExactlyInAnyOrder(allow(HOST, IN), deny(HOST, IN));
  }

  @Test
  void entitiesResolveToReservedIdentitiesAndClusterToEveryIdentityOfTheCluster() {
    apply(ccnp("p", rule("app=server").addIngress(entities(Entity.ENTITY_WORLD, Entity.ENTITY_REMOTE_NODE, Entity.ENTITY_HEALTH,
        Entity.ENTITY_INIT, Entity.ENTITY_UNMANAGED, Entity.ENTITY_KUBE_APISERVER, Entity.ENTITY_INGRESS, Entity.ENTITY_NONE))));
    assertThat(policyOf("server").entries()).extracting(PolicyEntry::identity).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    apply(ccnp("p", rule("app=server").addIngress(entities(Entity.ENTITY_CLUSTER))));
    assertThat(policyOf("server").entries()).extracting(PolicyEntry::identity)
        .containsExactlyInAnyOrder(1, 3, 4, 5, 6, 7, 8, id("client"), id("server"), id("prod-client"))
        .doesNotContain(WORLD);
    apply(ccnp("p", rule("app=server").addIngress(entities(Entity.ENTITY_ALL))));
    assertThat(policyOf("server").entries()).containsExactlyInAnyOrder(allow(0, IN), allow(HOST, IN));
  }

  @Test
  void aCidrRuleAllowsThePrefixIdentitiesInsideItExceptTheExceptions() {
    apply(cnp("cidr", "default", rule("app=client")
        .addEgress(cidrs("20.1.1.1"))
        .addEgress(cidrSet("10.0.0.0/8", "10.96.0.0/12"))));
    EndpointPolicy p = policyOf("client");
    assertThat(p.entries()).containsExactlyInAnyOrder(allow(cidrId("20.1.1.1/32"), OUT), allow(cidrId("10.0.0.0/8"), OUT));
    // Another policy's prefixes inside 10/8 are covered too, unless they lie in the exception.
    apply(cnp("more", "default", rule("app=server").addEgress(cidrs("10.1.0.0/16", "10.96.5.0/24"))));
    assertThat(policyOf("client").entries()).extracting(PolicyEntry::identity)
        .contains(cidrId("10.1.0.0/16"))
        .doesNotContain(cidrId("10.96.5.0/24"), cidrId("10.96.0.0/12"), WORLD);
  }

  @Test
  void theWholeIpv4SpaceIsWorldAndEveryPrefixIdentity() {
    apply(cnp("some", "default", rule("app=server").addEgress(cidrs("198.51.100.0/24", "2001:db8::/64"))));
    apply(cnp("all", "default", rule("app=client").addEgress(cidrSet("0.0.0.0/0", "198.51.100.0/24"))));
    assertThat(policyOf("client").entries()).containsExactly(allow(WORLD, OUT));
    apply(cnp("all", "default", rule("app=client").addEgress(cidrs("0.0.0.0/0"))));
    assertThat(policyOf("client").entries()).containsExactlyInAnyOrder(allow(WORLD, OUT), allow(cidrId("198.51.100.0/24"), OUT));
  }

  @Test
  void theWorldEntityCoversPrefixesOtherPoliciesGaveIdentities() {
    apply(cnp("cidr", "default", rule("app=server").addEgress(cidrs("203.0.113.0/24"))));
    apply(cnp("world", "default", rule("app=client").addEgress(entities(Entity.ENTITY_WORLD))));
    assertThat(policyOf("client").entries()).containsExactlyInAnyOrder(allow(WORLD, OUT), allow(cidrId("203.0.113.0/24"), OUT));
  }

  @Test
  void ipv6CidrsAreStoredButResolveToNothing() {
    apply(cnp("v6", "default", rule("app=client").addEgress(cidrSet("2001:db8::/64", "2001:db8::1/128"))));
    EndpointPolicy p = policyOf("client");
    assertThat(p.egressEnforced()).isTrue();
    assertThat(p.entries()).isEmpty();
    assertThat(d.image().policies().get("default", "v6").orElseThrow().getRules(0).getEgress(0).getCidrSet(0).getExcept(0))
        .isEqualTo("2001:db8::1/128");
  }

  @Test
  void requiresConstrainEveryEndpointPeerOfTheSelectedEndpoint() {
    d.apply(createEndpoint("db", "n1", "app=db", "env=prod"));
    d.apply(createEndpoint("dev-client", "n1", "app=client", "env=dev"));
    d.apply(createEndpoint("prod-client2", "n1", "app=client", "env=prod"));
    apply(cnp("requires", "default", rule("env=prod").addIngress(peers().addRequires(Fixtures.selector("env=prod")))));
    apply(cnp("allow", "default", rule("app=db")
        .addIngress(endpoints("app=client"))
        .addIngress(entities(Entity.ENTITY_WORLD))
        .addIngress(peers().addToPorts(tcp(9090)))));
    assertThat(policyOf("db").entries()).containsExactlyInAnyOrder(
        allow(HOST, IN), allow(id("prod-client2"), IN), allow(WORLD, IN), new PolicyEntry(0, 9090, 6, IN, false));
  }

  @Test
  void portRangesAnyProtocolAndIcmpBecomeEntriesButIcmpTypeZeroNeverWidensToAllTypes() {
    apply(cnp("p", "default", rule("app=server")
        .addIngress(endpoints("app=client").addToPorts(range(8000, 8080, Protocol.PROTOCOL_ANY)))
        .addIngress(endpoints("app=client").addIcmps(IcmpRule.newBuilder()
            .addFields(IcmpField.newBuilder().setType(8))
            .addFields(IcmpField.newBuilder().setType(0))
            .addFields(IcmpField.newBuilder().setType(128).setFamily(IpFamily.IP_FAMILY_IPV6))))));
    int c = id("client");
    assertThat(policyOf("server").entries()).containsExactlyInAnyOrder(allow(HOST, IN),
        new PolicyEntry(c, 8000, 8080, 6, IN, false), new PolicyEntry(c, 8000, 8080, 17, IN, false),
        new PolicyEntry(c, 8000, 8080, 132, IN, false), new PolicyEntry(c, 8, 8, 1, IN, false),
        new PolicyEntry(c, 128, 128, 58, IN, false));
  }

  @Test
  void l7RulesMarkTheirEntriesAndAbsorbPlainAllowsOfTheSameKey() {
    var http = PortRule.newBuilder(tcp(80)).setRules(L7Rules.newBuilder()
        .addHttp(HttpRule.newBuilder().setMethod("GET").setPath("/public"))).build();
    apply(cnp("l7", "default", rule("app=server").addIngress(endpoints("app=client").addToPorts(http))));
    PolicyEntry l7 = new PolicyEntry(id("client"), 80, 80, 6, IN, false, PolicyEntry.L7.HTTP);
    assertThat(policyOf("server").entries()).containsExactlyInAnyOrder(allow(HOST, IN), l7);
    apply(cnp("l4", "default", rule("app=server").addIngress(endpoints("app=client").addToPorts(tcp(80)))));
    assertThat(policyOf("server").entries()).containsExactlyInAnyOrder(allow(HOST, IN), l7);
  }

  @Test
  void aRuleThatOptsOutOfDefaultDenyOnlyAddsItsDenies() {
    apply(cnp("p", "default", rule("app=client")
        .setEnableDefaultDeny(DefaultDeny.newBuilder().setEgress(false))
        .addEgressDeny(endpoints("app=server"))));
    assertThat(policyOf("client").entries()).containsExactlyInAnyOrder(allow(0, OUT), deny(id("server"), OUT));
    assertThat(policyOf("client").ingressEnforced()).isFalse();
  }

  @Test
  void servicesAndFqdnsEnforceDefaultDenyButAllowNothingYet() {
    apply(cnp("svc", "default", rule("app=client")
        .addEgress(peers().addServices(ServiceSelector.newBuilder()
            .setK8SService(K8sService.newBuilder().setServiceName("db"))))
        .addEgress(peers().addFqdns(FqdnSelector.newBuilder().setMatchName("example.com")).addToPorts(tcp(443)))));
    EndpointPolicy p = policyOf("client");
    assertThat(p.egressEnforced()).isTrue();
    assertThat(p.entries()).isEmpty();
  }

  @Test
  void namespacedPeersStayInTheirNamespaceUnlessTheSelectorNamesOne() {
    apply(cnp("same", "default", rule("app=server").addIngress(endpoints("app=client"))));
    assertThat(policyOf("server").entries()).extracting(PolicyEntry::identity).contains(id("client")).doesNotContain(id("prod-client"));
    apply(cnp("same", "default", rule("app=server").addIngress(peers().addEndpoints(in(Labels.NAMESPACE_KEY, "prod")))));
    assertThat(policyOf("server").entries()).extracting(PolicyEntry::identity).contains(id("prod-client")).doesNotContain(id("client"));
    // A namespaced policy never selects endpoints of another namespace.
    assertThat(policyOf("prod-client")).isEqualTo(EndpointPolicy.UNENFORCED);
  }

  @Test
  void theEmptySelectorOfAClusterwidePolicyIsTheWildcardAndANodeSelectorSelectsNoEndpoint() {
    apply(ccnp("wild", rule().addIngress(peers().addEndpoints(EndpointSelector.getDefaultInstance()))));
    assertThat(policyOf("prod-client").entries()).containsExactlyInAnyOrder(allow(0, IN), allow(HOST, IN));
    apply(ccnp("wild", PolicyRule.newBuilder()
        .setNodeSelector(EndpointSelector.getDefaultInstance()).addIngress(peers())));
    assertThat(policyOf("prod-client")).isEqualTo(EndpointPolicy.UNENFORCED);
  }

  @Test
  void aLongLivedSelectorCacheGivesTheSameAnswersAsAOneShotResolution() {
    SelectorCache cache = SelectorCache.of(d.image().identities());
    apply(cnp("cidr", "default", rule("app=client").addEgress(cidrSet("10.0.0.0/8")).addEgress(endpoints("app=server"))));
    d.apply(createEndpoint("server2", "n1", "app=server", "tier=b"));
    cache.sync(d.image().identities());
    for (String ep : List.of("client", "server", "server2", "prod-client")) {
      LabelSet labels = d.image().endpoints().get(ep).orElseThrow().getLabels();
      assertThat(PolicyResolver.resolve(d.image(), labels, cache)).isEqualTo(PolicyResolver.resolve(d.image(), labels));
    }
  }
}
