package io.nodus.state.decide;

import static io.nodus.state.Fixtures.allowIngress;
import static io.nodus.state.Fixtures.createEndpoint;
import static io.nodus.state.Fixtures.deleteEndpoint;
import static io.nodus.state.Fixtures.deletePolicy;
import static io.nodus.state.Fixtures.markReady;
import static io.nodus.state.Fixtures.registerNode;
import static io.nodus.state.Fixtures.upsertPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.Fixtures.Driver;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.ClusterConfig;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.ConfigureCluster;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Policy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeciderTest {
  private Driver d;

  @BeforeEach
  void setUp() {
    d = new Driver();
  }

  @Test
  void nodesGetDistinctPodCidrsFromThePool() {
    d.apply(registerNode("n1"));
    d.apply(registerNode("n2"));
    assertThat(d.image().nodes().get("n1").orElseThrow().getPodCidr()).isEqualTo("10.200.0.0/24");
    assertThat(d.image().nodes().get("n2").orElseThrow().getPodCidr()).isEqualTo("10.200.1.0/24");
  }

  @Test
  void reRegisteringANodeKeepsItsCidrAndChangesNothing() {
    d.apply(registerNode("n1"));
    long revision = d.image().revision();
    CommandResult r = d.apply(registerNode("n1"));
    assertThat(r.getAccepted().getEventsList()).isEmpty();
    assertThat(d.image().revision()).isEqualTo(revision);
  }

  @Test
  void rejectsANodeWhenThePoolIsExhausted() {
    Command configure = Command.newBuilder().setConfigureCluster(ConfigureCluster.newBuilder().setConfig(
        ClusterConfig.newBuilder().setPodCidrPool("10.9.0.0/23").setNodeCidrPrefix(24).setClusterName("c1"))).build();
    assertThat(d.apply(configure).hasAccepted()).isTrue();
    d.apply(registerNode("a"));
    d.apply(registerNode("b"));
    CommandResult r = d.apply(registerNode("c"));
    assertThat(r.getRejection().getCode()).isEqualTo("exhausted");
  }

  @Test
  void refusesToReconfigureAClusterWithNodes() {
    d.apply(registerNode("a"));
    Command configure = Command.newBuilder().setConfigureCluster(ConfigureCluster.newBuilder().setConfig(
        ClusterConfig.newBuilder().setPodCidrPool("10.9.0.0/16").setNodeCidrPrefix(24).setClusterName("c1"))).build();
    assertThat(d.apply(configure).getRejection().getCode()).isEqualTo("failed_precondition");
  }

  @Test
  void createsAnEndpointWithANewIdentityCarryingNamespaceAndClusterLabels() {
    d.apply(registerNode("n1"));
    CommandResult r = d.apply(createEndpoint("web", "n1", "app=web"));
    assertThat(r.getAccepted().getEventsList()).extracting(Event::getBodyCase)
        .containsExactly(Event.BodyCase.IDENTITY_ALLOCATED, Event.BodyCase.ENDPOINT_CREATED);
    Endpoint ep = d.image().endpoints().get("web").orElseThrow();
    assertThat(ep.getIdentity()).isEqualTo(256);
    assertThat(ep.getState()).isEqualTo(EndpointState.ENDPOINT_STATE_PENDING);
    assertThat(Labels.format(ep.getLabels()))
        .isEqualTo("k8s:app=web,k8s:io.cilium.k8s.policy.cluster=default,k8s:io.kubernetes.pod.namespace=default");
    assertThat(d.image().identities().get(256).orElseThrow().getReferences()).isEqualTo(1);
  }

  @Test
  void endpointsWithEqualLabelsShareAnIdentityAndReleaseItWithTheLast() {
    d.apply(registerNode("n1"));
    d.apply(createEndpoint("a", "n1", "app=web"));
    d.apply(createEndpoint("b", "n1", "app=web"));
    d.apply(createEndpoint("c", "n1", "app=db"));
    assertThat(d.image().endpoints().get("b").orElseThrow().getIdentity()).isEqualTo(256);
    assertThat(d.image().endpoints().get("c").orElseThrow().getIdentity()).isEqualTo(257);
    d.apply(deleteEndpoint("a"));
    assertThat(d.image().identities().get(256).orElseThrow().getReferences()).isEqualTo(1);
    CommandResult r = d.apply(deleteEndpoint("b"));
    assertThat(r.getAccepted().getEventsList()).extracting(Event::getBodyCase)
        .containsExactly(Event.BodyCase.ENDPOINT_DELETED, Event.BodyCase.IDENTITY_RELEASED);
    assertThat(d.image().identities().get(256)).isEmpty();
  }

  @Test
  void aReleasedIdentityIsNotHandedOutAgainRightAway() {
    d.apply(registerNode("n1"));
    d.apply(createEndpoint("a", "n1", "app=a"));
    d.apply(deleteEndpoint("a"));
    d.apply(createEndpoint("b", "n1", "app=b"));
    assertThat(d.image().endpoints().get("b").orElseThrow().getIdentity()).isEqualTo(257);
  }

  @Test
  void aReleasedIdentityStaysInQuarantineForItsWindow() {
    Command configure = Command.newBuilder().setConfigureCluster(ConfigureCluster.newBuilder().setConfig(
        io.nodus.state.image.ClusterImage.DEFAULT_CONFIG.toBuilder().setIdentityQuarantineSeconds(60))).build();
    assertThat(d.apply(configure).hasAccepted()).isTrue();
    d.apply(registerNode("n1"));
    d.apply(createEndpoint("a", "n1", "app=a"));
    d.apply(deleteEndpoint("a"));
    assertThat(d.image().identities().quarantine().keys()).containsExactly(256);
    // Fill the rest of the range: the allocator must not wrap onto 256 inside the window.
    for (int n = 257; n <= 65535; n++) {
      d.image(d.image().withIdentities(d.image().identities().allocated(io.nodus.state.proto.Identity.newBuilder().setId(n)
          .setLabels(io.nodus.state.proto.LabelSet.newBuilder().addLabels(io.nodus.state.model.Labels.label("k8s", "n", Integer.toString(n)))).build())));
    }
    assertThat(d.apply(createEndpoint("b", "n1", "app=b")).getRejection().getCode()).isEqualTo("exhausted");
    d.advanceClock(61_000);
    assertThat(d.apply(createEndpoint("c", "n1", "app=c")).hasAccepted()).isTrue();
    assertThat(d.image().endpoints().get("c").orElseThrow().getIdentity()).isEqualTo(256);
    assertThat(d.image().identities().quarantine().keys()).isEmpty();
  }

  @Test
  void clusterLocalIdentitiesCarryTheClusterIdInBits16To23() {
    Command configure = Command.newBuilder().setConfigureCluster(ConfigureCluster.newBuilder().setConfig(
        io.nodus.state.image.ClusterImage.DEFAULT_CONFIG.toBuilder().setClusterId(5))).build();
    assertThat(d.apply(configure).hasAccepted()).isTrue();
    d.apply(registerNode("n1"));
    d.apply(createEndpoint("a", "n1", "app=a"));
    assertThat(d.image().endpoints().get("a").orElseThrow().getIdentity()).isEqualTo((5 << 16) | 256);
  }

  @Test
  void rejectsEndpointsOnUnknownNodesDuplicateNamesAndBadLabels() {
    d.apply(registerNode("n1"));
    assertThat(d.apply(createEndpoint("a", "nope", "app=a")).getRejection().getField()).isEqualTo("node");
    d.apply(createEndpoint("a", "n1", "app=a"));
    assertThat(d.apply(createEndpoint("a", "n1", "app=a")).getRejection().getCode()).isEqualTo("already_exists");
    CommandResult bad = d.apply(createEndpoint("b", "n1", "app=not valid"));
    assertThat(bad.getRejection().getField()).isEqualTo("labels[0]");
    assertThat(d.apply(createEndpoint("Bad_Name", "n1")).getRejection().getField()).isEqualTo("name");
  }

  @Test
  void marksAnEndpointReadyOnlyWithAFreeAddressInsideItsNodeCidr() {
    d.apply(registerNode("n1"));
    d.apply(createEndpoint("a", "n1", "app=a"));
    d.apply(createEndpoint("b", "n1", "app=b"));
    assertThat(d.apply(markReady("a", "10.1.0.2")).getRejection().getField()).isEqualTo("ipv4");
    assertThat(d.apply(markReady("a", "10.200.0.2")).hasAccepted()).isTrue();
    assertThat(d.image().endpoints().get("a").orElseThrow().getState()).isEqualTo(EndpointState.ENDPOINT_STATE_READY);
    assertThat(d.apply(markReady("b", "10.200.0.2")).getRejection().getCode()).isEqualTo("already_exists");
    assertThat(d.apply(markReady("a", "10.200.0.2")).getAccepted().getEventsList()).isEmpty();
  }

  @Test
  void upsertingTheSamePolicyTwiceChangesNothingAndDeletingAMissingOneIsNotFound() {
    Policy p = allowIngress("p1", "app=server", "app=client", 80);
    assertThat(d.apply(upsertPolicy(p)).getAccepted().getEventsCount()).isEqualTo(1);
    long revision = d.image().revision();
    assertThat(d.apply(upsertPolicy(p)).getAccepted().getEventsCount()).isZero();
    assertThat(d.image().revision()).isEqualTo(revision);
    assertThat(d.image().policies().get("default", "p1").orElseThrow().getRevision()).isEqualTo(revision);
    CommandResult r = d.apply(deletePolicy("default", "missing"));
    assertThat(r.getRejection().getCode()).isEqualTo("not_found");
    assertThat(r.getRejection().getRevision()).isEqualTo(revision);
    assertThat(d.apply(deletePolicy("default", "p1")).hasAccepted()).isTrue();
    assertThat(d.image().policies().all()).isEmpty();
  }

  @Test
  void rejectsAPolicyWithAPortOutOfRangeNamingTheField() {
    Policy p = allowIngress("p1", "app=server", "app=client", 70000);
    CommandResult r = d.apply(upsertPolicy(p));
    assertThat(r.getRejection().getField()).isEqualTo("rules[0].ingress[0].toPorts[0].ports[0].port");
    assertThat(d.image().revision()).isZero();
  }

  @Test
  void aCommandWithoutBodyIsRejected() {
    assertThat(d.apply(Command.getDefaultInstance()).getRejection().getField()).isEqualTo("body");
  }
}
