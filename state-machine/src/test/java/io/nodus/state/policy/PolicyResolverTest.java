package io.nodus.state.policy;

import static io.nodus.state.Fixtures.allowIngress;
import static io.nodus.state.Fixtures.createEndpoint;
import static io.nodus.state.Fixtures.ports;
import static io.nodus.state.Fixtures.registerNode;
import static io.nodus.state.Fixtures.selector;
import static io.nodus.state.policy.PolicyFixtures.upsert;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.Fixtures.Driver;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.policy.PolicyEntry.Direction;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.Protocol;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PolicyResolverTest {
  private static final int HOST = ReservedIdentity.HOST.id();
  private Driver d;

  @BeforeEach
  void setUp() {
    d = new Driver();
    d.apply(registerNode("n1"));
    d.apply(createEndpoint("client", "n1", "app=client"));
    d.apply(createEndpoint("server", "n1", "app=server"));
  }

  private LabelSet labelsOf(String endpoint) {
    return d.image().endpoints().get(endpoint).orElseThrow().getLabels();
  }

  private int identityOf(String endpoint) {
    return d.image().endpoints().get(endpoint).orElseThrow().getIdentity();
  }

  @Test
  void anEndpointNoPolicySelectsIsNotEnforced() {
    assertThat(PolicyResolver.resolve(d.image(), labelsOf("server"))).isEqualTo(EndpointPolicy.UNENFORCED);
  }

  @Test
  void anL3L4RuleAllowsTheSelectedPeerOnThePortAndTheHost() {
    d.apply(upsert(allowIngress("p", "app=server", "app=client", 80)));
    EndpointPolicy p = PolicyResolver.resolve(d.image(), labelsOf("server"));
    assertThat(p.ingressEnforced()).isTrue();
    assertThat(p.egressEnforced()).isFalse();
    assertThat(p.entries()).containsExactly(
        new PolicyEntry(HOST, 0, 0, Direction.INGRESS, false),
        new PolicyEntry(identityOf("client"), 80, 6, Direction.INGRESS, false));
    assertThat(PolicyResolver.resolve(d.image(), labelsOf("client"))).isEqualTo(EndpointPolicy.UNENFORCED);
  }

  @Test
  void anEmptyIngressRuleTurnsOnDefaultDenyWithNoAllows() {
    Policy deny = Policy.newBuilder().setName("deny").setNamespace("default")
        .addRules(PolicyRule.newBuilder().setEndpointSelector(selector("app=server")).addIngress(PeerRule.getDefaultInstance()))
        .build();
    d.apply(upsert(deny));
    EndpointPolicy p = PolicyResolver.resolve(d.image(), labelsOf("server"));
    assertThat(p.ingressEnforced()).isTrue();
    assertThat(p.entries()).containsExactly(new PolicyEntry(HOST, 0, 0, Direction.INGRESS, false));
  }

  @Test
  void anL4OnlyRuleAllowsAnyPeerAndAPortWithoutProtocolMeansTcpUdpAndSctp() {
    Policy l4 = Policy.newBuilder().setName("l4").setNamespace("default")
        .addRules(PolicyRule.newBuilder().setEndpointSelector(selector("app=client"))
            .addEgress(PeerRule.newBuilder().addToPorts(ports(Protocol.PROTOCOL_ANY, 53))))
        .build();
    d.apply(upsert(l4));
    EndpointPolicy p = PolicyResolver.resolve(d.image(), labelsOf("client"));
    assertThat(p.egressEnforced()).isTrue();
    assertThat(p.ingressEnforced()).isFalse();
    assertThat(p.entries()).containsExactly(
        new PolicyEntry(0, 53, 6, Direction.EGRESS, false),
        new PolicyEntry(0, 53, 17, Direction.EGRESS, false),
        new PolicyEntry(0, 53, 132, Direction.EGRESS, false));
  }

  @Test
  void aNamespacedPolicyOnlySelectsEndpointsAndPeersOfItsNamespace() {
    d.apply(io.nodus.state.proto.Command.newBuilder().setCreateEndpoint(io.nodus.state.proto.CreateEndpoint.newBuilder()
        .setName("other").setNode("n1").setNamespace("prod")
        .setLabels(LabelSet.newBuilder().addLabels(io.nodus.state.model.Labels.label("k8s", "app", "client")))).build());
    d.apply(upsert(allowIngress("p", "app=server", "app=client", 80)));
    EndpointPolicy p = PolicyResolver.resolve(d.image(), labelsOf("server"));
    assertThat(p.entries()).extracting(PolicyEntry::identity).doesNotContain(identityOf("other"));
    assertThat(p.entries()).extracting(PolicyEntry::identity).contains(identityOf("client"));
  }

  @Test
  void matchExpressionsSelectPeers() {
    EndpointSelector anyApp = EndpointSelector.newBuilder().addMatchExpressions(LabelSelectorRequirement.newBuilder()
        .setSource("any").setKey("app").setOperator(LabelSelectorRequirement.Operator.IN).addValues("client").addValues("db")).build();
    Policy p = Policy.newBuilder().setName("expr").setNamespace("default")
        .addRules(PolicyRule.newBuilder().setEndpointSelector(selector("app=server"))
            .addIngress(PeerRule.newBuilder().addEndpoints(anyApp)))
        .build();
    d.apply(upsert(p));
    assertThat(PolicyResolver.resolve(d.image(), labelsOf("server")).entries())
        .contains(new PolicyEntry(identityOf("client"), 0, 0, Direction.INGRESS, false));
  }

  @Test
  void portRangesStayRanges() {
    Policy p = Policy.newBuilder().setName("range").setNamespace("default")
        .addRules(PolicyRule.newBuilder().setEndpointSelector(selector("app=server"))
            .addIngress(PeerRule.newBuilder().addToPorts(io.nodus.state.proto.PortRule.newBuilder()
                .addPorts(io.nodus.state.proto.PortProtocol.newBuilder().setPort(8000).setEndPort(8002).setProtocol(Protocol.TCP)))))
        .build();
    d.apply(upsert(p));
    assertThat(PolicyResolver.resolve(d.image(), labelsOf("server")).entries())
        .contains(new PolicyEntry(0, 8000, 8002, 6, Direction.INGRESS, false));
  }
}
