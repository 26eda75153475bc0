package io.nodus.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.agent.plumbing.EndpointPlumber;
import io.nodus.agent.plumbing.FakePlumbing;
import io.nodus.state.Fixtures;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.MarkEndpointReady;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel side of local endpoints other than maps, with the plumbing, the programs'
 * attachment and the control plane faked; the log is the real decide and evolve. Each test makes
 * the reconciler's calls in the order a pass of the loop makes them: plumb, (maps), attach, mark
 * ready with the endpoints whose maps were written.
 */
class EndpointReconcilerTest {
  private static final String NODE = "n1";

  private final FakeControlPlane log = new FakeControlPlane();
  private final FakePlumbing plumbing = new FakePlumbing(NODE);
  private final List<Integer> attaches = new ArrayList<>();
  private final Set<Integer> failingAttaches = new HashSet<>();
  private EndpointReconciler reconciler = newReconciler();

  private EndpointReconciler newReconciler() {
    return new EndpointReconciler(NODE, log, plumbing, ifindex -> {
      attaches.add(ifindex);
      if (failingAttaches.contains(ifindex)) {
        throw new IllegalStateException("tc attach to ifindex " + ifindex + " failed");
      }
    });
  }

  @BeforeEach
  void cluster() {
    log.apply(Fixtures.registerNode(NODE));
    log.apply(Fixtures.registerNode("n2"));
    assertThat(log.image().nodes().get(NODE).orElseThrow().getPodCidr()).isEqualTo("10.200.0.0/24");
  }

  private void endpoint(String name, String node) {
    log.apply(Fixtures.createEndpoint(name, node, "app=" + name));
  }

  private List<MarkEndpointReady> readySubmitted() {
    return log.submitted().stream().map(Command::getMarkEndpointReady).toList();
  }

  @Test
  void plumbsOnlyTheEndpointsOfItsNode() {
    endpoint("web", NODE);
    endpoint("db", NODE);
    endpoint("remote", "n2");

    assertThat(reconciler.plumb(log.image(), null, true)).containsExactly("db", "web");
    assertThat(plumbing.plumbed()).containsExactlyInAnyOrder("db", "web");
    assertThat(reconciler.attachments()).containsOnlyKeys("db", "web");

    // Named by a delta, a remote endpoint is still none of this node's business.
    assertThat(reconciler.plumb(log.image(), List.of("remote"), false)).isEmpty();
    assertThat(plumbing.plumbCalls("remote")).isZero();
  }

  @Test
  void aPendingEndpointGetsAnAddressOfItsNodeAndIsMarkedReadyOnlyOnceAttachedWithItsMapsWritten() {
    endpoint("web", NODE);
    ClusterImage image = log.image();
    reconciler.plumb(image, null, true);
    EndpointReconciler.Attachment at = reconciler.attachments().get("web");
    assertThat(at.ipv4()).as("the lowest free host address of 10.200.0.0/24 past the router's").isEqualTo("10.200.0.2");
    assertThat(plumbing.address("web")).contains("10.200.0.2");
    assertThat(at.ifindex()).isEqualTo(plumbing.ifindex("web"));
    assertThat(at.hostInterface()).isEqualTo(EndpointPlumber.hostInterfaceName(NODE, "web"));

    assertThat(reconciler.markReady(image, Set.of("web"))).isTrue();
    assertThat(log.submitted()).as("programs not attached yet").isEmpty();
    assertThat(reconciler.attachAll()).isTrue();
    assertThat(attaches).containsExactly(at.ifindex());
    reconciler.markReady(image, Set.of());
    assertThat(log.submitted()).as("maps not written yet").isEmpty();

    assertThat(reconciler.markReady(image, Set.of("web"))).isTrue();
    assertThat(readySubmitted()).containsExactly(MarkEndpointReady.newBuilder().setName("web").setIpv4("10.200.0.2")
        .setInterfaceName(at.hostInterface()).build());
    assertThat(log.image().endpoints().get("web").orElseThrow().getState()).isEqualTo(EndpointState.ENDPOINT_STATE_READY);

    // Until its ready event arrives the image still says pending: no second submission.
    reconciler.markReady(image, Set.of("web"));
    assertThat(log.submitted()).hasSize(1);
  }

  @Test
  void pendingEndpointsNeverShareAnAddress() {
    endpoint("old", NODE);
    log.apply(Fixtures.markReady("old", "10.200.0.2"));
    endpoint("web", NODE);
    endpoint("db", NODE);

    reconciler.plumb(log.image(), null, true);
    assertThat(List.of(reconciler.attachments().get("db").ipv4(), reconciler.attachments().get("web").ipv4()))
        .as("neither the address the log gave old nor each other's").containsExactlyInAnyOrder("10.200.0.3", "10.200.0.4");
    assertThat(reconciler.attachments().get("old").ipv4()).isEqualTo("10.200.0.2");
  }

  @Test
  void aRefusedReadyIsRetriedNextPassWithAnAddressChosenAgain() {
    endpoint("web", NODE);
    reconciler.plumb(log.image(), null, true);
    reconciler.attachAll();
    log.refuseNext(1);
    assertThat(reconciler.markReady(log.image(), Set.of("web"))).isFalse();
    assertThat(reconciler.failed()).containsExactly("web");

    // Meanwhile the log gave the address to another endpoint (the reason for the refusal).
    endpoint("other", NODE);
    log.apply(Fixtures.markReady("other", "10.200.0.2"));

    // The next pass plumbs what failed again, as the loop does.
    ClusterImage image = log.image();
    reconciler.plumb(image, Set.copyOf(reconciler.failed()), false);
    assertThat(reconciler.failed()).isEmpty();
    reconciler.attachAll();
    assertThat(reconciler.markReady(image, Set.of("web"))).isTrue();
    assertThat(readySubmitted()).extracting(MarkEndpointReady::getIpv4).containsExactly("10.200.0.2", "10.200.0.3");
    assertThat(plumbing.address("web")).contains("10.200.0.3");
    assertThat(log.image().endpoints().get("web").orElseThrow().getIpv4()).isEqualTo("10.200.0.3");
  }

  @Test
  void aDeletedEndpointIsUnplumbedAndItsAddressFreed() {
    endpoint("web", NODE);
    reconciler.plumb(log.image(), null, true);
    reconciler.attachAll();
    int ifindex = plumbing.ifindex("web");

    log.apply(Fixtures.deleteEndpoint("web"));
    assertThat(reconciler.plumb(log.image(), List.of("web"), true)).containsExactly("web");
    assertThat(plumbing.unplumbCalls()).containsExactly("web");
    assertThat(plumbing.plumbed()).isEmpty();
    assertThat(reconciler.attachments()).isEmpty();

    endpoint("db", NODE);
    reconciler.plumb(log.image(), List.of("db"), false);
    assertThat(reconciler.attachments().get("db").ipv4()).as("web's address").isEqualTo("10.200.0.2");
    reconciler.attachAll();
    assertThat(attaches).containsExactly(ifindex, plumbing.ifindex("db"));
  }

  @Test
  void aRestartedReconcilerAdoptsThePlumbingOfReadyEndpointsAndRemovesWhatTheLogForgot() {
    endpoint("web", NODE);
    log.apply(Fixtures.markReady("web", "10.200.0.2"));
    endpoint("db", NODE);
    log.apply(Fixtures.markReady("db", "10.200.0.3"));
    // What the previous run left: web's plumbing, and that of an endpoint deleted while the agent was down.
    EndpointPlumber.Plumbed kept = plumbing.leftBehind("web", "10.200.0.2");
    plumbing.leftBehind("gone", "10.200.0.9");

    reconciler = newReconciler();
    assertThat(reconciler.plumb(log.image(), null, true)).containsExactlyInAnyOrder("db", "web");
    assertThat(reconciler.attachments().get("web"))
        .isEqualTo(new EndpointReconciler.Attachment(kept.hostIfindex(), "10.200.0.2", kept.hostInterface()));
    assertThat(plumbing.plumbCalls()).as("web adopted as it is (plumbing flushes the address); db's vanished, so it is recreated")
        .containsExactly("db");
    assertThat(plumbing.address("db")).as("the address the log gave it").contains("10.200.0.3");
    assertThat(plumbing.unplumbCalls()).containsExactly("gone");

    // The new run's programs replace the old run's on every endpoint; ready endpoints are not announced again.
    assertThat(reconciler.attachAll()).isTrue();
    assertThat(attaches).containsExactlyInAnyOrder(kept.hostIfindex(), plumbing.ifindex("db"));
    assertThat(reconciler.markReady(log.image(), Set.of("web", "db"))).isTrue();
    assertThat(log.submitted()).isEmpty();
  }

  @Test
  void aFailingEndpointIsTrackedForRetryAndDoesNotStopTheOthers() {
    endpoint("web", NODE);
    endpoint("db", NODE);
    plumbing.fail("web");

    reconciler.plumb(log.image(), null, true);
    assertThat(reconciler.failed()).containsExactly("web");
    assertThat(reconciler.attachments()).containsOnlyKeys("db");

    failingAttaches.add(plumbing.ifindex("db"));
    assertThat(reconciler.attachAll()).isFalse();
    assertThat(reconciler.failed()).containsExactly("db", "web");
    reconciler.markReady(log.image(), Set.of("web", "db"));
    assertThat(log.submitted()).as("not attached, not ready").isEmpty();

    plumbing.heal("web");
    failingAttaches.clear();
    reconciler.plumb(log.image(), Set.copyOf(reconciler.failed()), false);
    assertThat(reconciler.attachAll()).isTrue();
    assertThat(reconciler.failed()).isEmpty();
    assertThat(reconciler.markReady(log.image(), Set.of("web", "db"))).isTrue();
    assertThat(readySubmitted()).extracting(MarkEndpointReady::getName).containsExactlyInAnyOrder("db", "web");
  }
}
