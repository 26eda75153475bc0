package io.nodus.state.policy;

import io.nodus.state.Fixtures;
import io.nodus.state.proto.CidrRule;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Entity;
import io.nodus.state.proto.LabelSelectorRequirement;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.DeletePolicy;
import io.nodus.state.proto.UpsertPolicy;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/** Terse builders of policy models for resolver and command tests. */
public final class PolicyFixtures {
  private static final AtomicLong REQUESTS = new AtomicLong();

  private PolicyFixtures() {}

  /** An upsert with a request id of its own (a reused id would read as a retry). */
  public static Command upsert(Policy p) {
    return Command.newBuilder().setRequestId("policy-test-" + REQUESTS.incrementAndGet())
        .setUpsertPolicy(UpsertPolicy.newBuilder().setPolicy(p)).build();
  }

  /** A delete with a request id of its own. */
  public static Command delete(String namespace, String name) {
    return Command.newBuilder().setRequestId("policy-test-" + REQUESTS.incrementAndGet())
        .setDeletePolicy(DeletePolicy.newBuilder().setNamespace(namespace).setName(name)).build();
  }

  /** A CiliumNetworkPolicy in {@code namespace}. */
  public static Policy cnp(String name, String namespace, PolicyRule.Builder... rules) {
    Policy.Builder p = Policy.newBuilder().setName(name).setNamespace(namespace).setKind(PolicyValidator.CNP);
    Arrays.stream(rules).forEach(p::addRules);
    return p.build();
  }

  /** A CiliumClusterwideNetworkPolicy. */
  public static Policy ccnp(String name, PolicyRule.Builder... rules) {
    Policy.Builder p = Policy.newBuilder().setName(name).setKind(PolicyValidator.CCNP);
    Arrays.stream(rules).forEach(p::addRules);
    return p.build();
  }

  /** A rule selecting endpoints with {@code labels} ("app=web"). */
  public static PolicyRule.Builder rule(String... labels) {
    return PolicyRule.newBuilder().setEndpointSelector(Fixtures.selector(labels));
  }

  public static PeerRule.Builder peers() {
    return PeerRule.newBuilder();
  }

  public static PeerRule.Builder endpoints(String... labels) {
    return PeerRule.newBuilder().addEndpoints(Fixtures.selector(labels));
  }

  public static PeerRule.Builder entities(Entity... entities) {
    return PeerRule.newBuilder().addAllEntities(Arrays.asList(entities));
  }

  public static PeerRule.Builder cidrs(String... cidrs) {
    return PeerRule.newBuilder().addAllCidrs(Arrays.asList(cidrs));
  }

  public static PeerRule.Builder cidrSet(String cidr, String... except) {
    return PeerRule.newBuilder().addCidrSet(CidrRule.newBuilder().setCidr(cidr).addAllExcept(Arrays.asList(except)));
  }

  public static PortRule tcp(int... ports) {
    return Fixtures.ports(Protocol.TCP, ports);
  }

  public static PortRule range(int port, int endPort, Protocol protocol) {
    return PortRule.newBuilder().addPorts(PortProtocol.newBuilder().setPort(port).setEndPort(endPort).setProtocol(protocol)).build();
  }

  /** A selector requiring {@code key} In {@code values} (any source). */
  public static EndpointSelector in(String key, String... values) {
    return EndpointSelector.newBuilder().addMatchExpressions(LabelSelectorRequirement.newBuilder()
        .setSource("any").setKey(key).setOperator(LabelSelectorRequirement.Operator.IN).addAllValues(Arrays.asList(values))).build();
  }
}
