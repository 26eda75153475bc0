package io.nodus.agent.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.bpf.maps.PolicyKey;
import io.nodus.state.CommandApplier;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.DeletePolicy;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Event;
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

/** Which endpoints a change affects, on images built by the real decide/evolve. */
class PolicyTrackerTest {
  private ClusterImage image = ClusterImage.EMPTY;
  private final PolicyTracker tracker = new PolicyTracker("a");
  private int requests;

  /** Applies a command and returns the change set of its events, as the agent would see them. */
  private ChangeSet apply(Command c) {
    Command withId = c.toBuilder().setRequestId("r" + (++requests)).build();
    CommandApplier.Applied a = CommandApplier.apply(image, LoggedCommand.newBuilder().setCommand(withId).build(), image.revision() + 1);
    assertThat(a.result().hasAccepted()).as(a.result().toString()).isTrue();
    ChangeSet changes = new ChangeSet();
    ClusterImage before = image;
    for (Event e : a.events()) {
      changes.observe(before, e);
      before = io.nodus.state.evolve.Evolver.evolve(before, e);
    }
    image = a.image();
    return changes;
  }

  private static EndpointSelector app(String app) {
    return EndpointSelector.newBuilder().addMatchLabels(Labels.label("k8s", "app", app)).build();
  }

  private ChangeSet endpoint(String name, String node, String app) {
    return apply(Command.newBuilder().setCreateEndpoint(CreateEndpoint.newBuilder().setName(name).setNode(node)
        .setLabels(LabelSet.newBuilder().addLabels(Labels.label("k8s", "app", app)))).build());
  }

  /** A policy selecting {@code app}, letting {@code from} reach it on TCP {@code port}. */
  private ChangeSet policy(String name, String app, String from, int port) {
    PolicyRule rule = PolicyRule.newBuilder().setEndpointSelector(app(app)).addIngress(PeerRule.newBuilder().addEndpoints(app(from))
        .addToPorts(PortRule.newBuilder().addPorts(PortProtocol.newBuilder().setPort(port).setProtocol(Protocol.TCP)))).build();
    return apply(Command.newBuilder().setUpsertPolicy(UpsertPolicy.newBuilder().setPolicy(
        Policy.newBuilder().setName(name).setNamespace("default").setKind("CiliumNetworkPolicy").addRules(rule))).build());
  }

  /** What the tracker says about {@code changes}, against the image after them. */
  private java.util.Set<String> affected(ChangeSet changes) {
    return tracker.affected(image, changes);
  }

  @BeforeEach
  void cluster() {
    apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("a").setUnderlayIp("192.0.2.1")).build());
    apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("b").setUnderlayIp("192.0.2.2")).build());
    endpoint("web", "a", "web");
    endpoint("db", "a", "db");
    endpoint("remote", "b", "web");
    assertThat(affected(ChangeSet.everything())).containsExactly("db", "web");
  }

  @Test
  void aPolicyAffectsTheLocalEndpointsItSelectsBeforeAndAfter() {
    assertThat(affected(policy("p", "web", "client", 80))).containsExactly("web");
    assertThat(tracker.selecting("web")).containsExactly("default/p");
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
    ChangeSet client = endpoint("client-1", "b", "client");
    assertThat(client.identitiesAdded()).hasSize(1);
    assertThat(affected(client)).containsExactly("web");
    // An identity nobody's peers select affects nothing.
    assertThat(affected(endpoint("other", "b", "other"))).isEmpty();
  }

  @Test
  void aLocalEndpointAffectsItselfAndItsPolicyResolvesThroughTheCache() {
    affected(policy("p", "web", "client", 80));
    ChangeSet created = endpoint("web-2", "a", "web");
    assertThat(affected(created)).contains("web-2");
    var policy = tracker.resolve(image, image.endpoints().get("web-2").orElseThrow());
    assertThat(policy.ingressEnforced()).isTrue();
    assertThat(PolicyTracker.contents(policy)).containsKey(PolicyKey.ingress(1, 0, 0)); // the host may always reach it
    assertThat(tracker.resolutions()).isEqualTo(1);
    assertThat(Set.copyOf(tracker.selecting("web-2"))).containsExactly("default/p");
  }
}
