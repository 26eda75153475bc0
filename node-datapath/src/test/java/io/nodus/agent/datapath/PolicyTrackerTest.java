package io.nodus.agent.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.bpf.maps.PolicyKey;
import io.nodus.state.CommandApplier;
import io.nodus.state.delta.ClusterDelta;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.DeletePolicy;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import io.nodus.state.proto.RegisterNode;
import io.nodus.state.proto.UpsertPolicy;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which endpoints a change affects, on images built by the real decide/evolve: each change is a
 * delta, and each pass resolves the affected endpoints, as the agent's loop does (a resolution is
 * what makes an endpoint hold the selectors whose identity changes concern it).
 */
class PolicyTrackerTest {
  private ClusterImage image = ClusterImage.EMPTY;
  private final PolicyTracker tracker = new PolicyTracker("a");
  private int requests;

  /** Applies a command and returns the delta of its events, as the agent would fold them. */
  private ClusterDelta apply(Command c) {
    Command withId = c.toBuilder().setRequestId("r" + (++requests)).build();
    CommandApplier.Applied a = CommandApplier.apply(image, LoggedCommand.newBuilder().setCommand(withId).build(), image.revision() + 1);
    assertThat(a.result().hasAccepted()).as(a.result().toString()).isTrue();
    ClusterDelta delta = ClusterDelta.on(image);
    a.events().forEach(delta::replay);
    image = delta.apply();
    assertThat(image).isEqualTo(a.image());
    return delta;
  }

  private static EndpointSelector app(String app) {
    return EndpointSelector.newBuilder().addMatchLabels(Labels.label("k8s", "app", app)).build();
  }

  private ClusterDelta endpoint(String name, String node, String app) {
    return apply(Command.newBuilder().setCreateEndpoint(CreateEndpoint.newBuilder().setName(name).setNode(node)
        .setLabels(LabelSet.newBuilder().addLabels(Labels.label("k8s", "app", app)))).build());
  }

  /** A policy selecting {@code app}, letting {@code from} reach it on TCP {@code port}. */
  private ClusterDelta policy(String name, String app, String from, int port) {
    PolicyRule rule = PolicyRule.newBuilder().setEndpointSelector(app(app)).addIngress(PeerRule.newBuilder().addEndpoints(app(from))
        .addToPorts(PortRule.newBuilder().addPorts(PortProtocol.newBuilder().setPort(port).setProtocol(Protocol.TCP)))).build();
    return apply(Command.newBuilder().setUpsertPolicy(UpsertPolicy.newBuilder().setPolicy(
        Policy.newBuilder().setName(name).setNamespace("default").setKind("CiliumNetworkPolicy").addRules(rule))).build());
  }

  /** What the tracker says {@code delta} affects; the affected local endpoints are then resolved, as a pass does. */
  private Set<String> affected(ClusterDelta delta) {
    Set<String> affected = tracker.affected(delta);
    for (String name : affected) {
      image.endpoints().get(name).filter(e -> e.getNode().equals("a")).ifPresent(e -> tracker.resolve(image, e));
    }
    return affected;
  }

  @BeforeEach
  void cluster() {
    apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("a").setUnderlayIp("192.0.2.1")).build());
    apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("b").setUnderlayIp("192.0.2.2")).build());
    endpoint("web", "a", "web");
    endpoint("db", "a", "db");
    endpoint("remote", "b", "web");
    assertThat(affected(ClusterDelta.fromEmpty(image))).containsExactly("db", "web");
  }

  @Test
  void aPolicyAffectsTheLocalEndpointsItSelectsBeforeAndAfter() {
    assertThat(affected(policy("p", "web", "client", 80))).containsExactly("web");
    // Re-pointed at db: web loses it, db gains it.
    assertThat(affected(policy("p", "db", "client", 80))).containsExactly("db", "web");
    assertThat(affected(apply(Command.newBuilder().setDeletePolicy(
        DeletePolicy.newBuilder().setNamespace("default").setName("p")).build()))).containsExactly("db");
  }

  @Test
  void aNewIdentityAffectsOnlyEndpointsWhosePoliciesCouldSelectIt() {
    affected(policy("p", "web", "client", 80));
    affected(policy("q", "db", "backup", 5432));
    // A "client" endpoint on another node brings a new identity that only p's peer selects.
    ClusterDelta client = endpoint("client-1", "b", "client");
    assertThat(client.identities().created()).hasSize(1);
    assertThat(affected(client)).containsExactly("web");
    // An identity nobody's peers select affects nothing.
    assertThat(affected(endpoint("other", "b", "other"))).isEmpty();
  }

  @Test
  void aLocalEndpointAffectsItselfAndItsPolicyResolvesThroughTheCache() {
    affected(policy("p", "web", "client", 80));
    long before = tracker.resolutions();
    assertThat(affected(endpoint("web-2", "a", "web"))).containsExactly("web-2");
    assertThat(tracker.resolutions()).isEqualTo(before + 1);
    var policy = tracker.resolve(image, image.endpoints().get("web-2").orElseThrow());
    assertThat(policy.ingressEnforced()).isTrue();
    assertThat(PolicyTracker.contents(policy)).containsKey(PolicyKey.ingress(1, 0, 0)); // the host may always reach it
  }

  @Test
  void theSelectorCacheHoldsOnlyWhatTheEndpointsUse() {
    affected(policy("p", "web", "client", 80));
    affected(policy("q", "db", "backup", 5432));
    int held = tracker.selectors();
    for (int i = 0; i < 300; i++) {
      affected(policy("churn", "web", "peer-" + i, 8000));
    }
    affected(apply(Command.newBuilder().setDeletePolicy(DeletePolicy.newBuilder().setNamespace("default").setName("churn")).build()));
    assertThat(tracker.selectors()).as("no selector of the churned versions lingers").isEqualTo(held);
  }
}
