package io.nodus.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nodus.agent.control.FollowedLog;
import io.nodus.agent.monitor.AgentNotice;
import io.nodus.agent.monitor.TraceRequests;
import io.nodus.agent.plumbing.FakePlumbing;
import io.nodus.bpf.Datapath;
import io.nodus.bpf.DatapathSizes;
import io.nodus.bpf.maps.EndpointInfo;
import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.bpf.maps.LogPosition;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMap;
import io.nodus.state.Fixtures;
import io.nodus.state.delta.ClusterDelta;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.PoliciesImage;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.ControllerMember;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.RecordMember;
import io.nodus.state.proto.ResourceKind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's reconciler thread against real kernel maps pinned in a directory of its own (as
 * {@code MapSyncerTest}), with the endpoint plumbing, the programs' attachment and the control
 * plane faked. Real maps rather than a fake syncer: what the loop must leave behind (stale state
 * gone, refused snapshots leaving everything in place, an endpoint's entry moving with its
 * interface) is read back from the kernel, and the log position is the pinned one. The log is the
 * real decide and evolve; the test hands its events to the loop as the watch does. Time is a clock
 * the test moves; the test waits for the loop by polling with a deadline, mostly on the revision
 * log that {@code /v1/sync} waits on.
 */
class ReconcileLoopTest {
  private static final String NODE = "n1";
  private static final String OTHER_CLUSTER = "6f1c2d3e-0000-3000-8000-000000000002";
  private static final Duration RESYNC = Duration.ofMinutes(1);
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  /** One call of the publisher. */
  private record Published(ClusterDelta delta, ClusterImage image) {}

  private final Path pins = Path.of("/sys/fs/bpf/nodus", "test-loop-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
  private final FakeControlPlane log = new FakeControlPlane();
  private final FakePlumbing plumbing = new FakePlumbing(NODE);
  private final List<Integer> attached = new CopyOnWriteArrayList<>();
  private final TestClock clock = new TestClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final BlockingQueue<LoopInput> inbox = new LinkedBlockingQueue<>();
  private final RevisionLog revisions = new RevisionLog();
  private final List<Published> published = new CopyOnWriteArrayList<>();
  private final List<AgentNotice> notices = new CopyOnWriteArrayList<>();
  private final AtomicInteger completePasses = new AtomicInteger();
  private Datapath datapath;
  private FollowedLog followed;
  private ReconcileLoop loop;
  private Thread thread;

  /** Two nodes; web and db ready on this one, remote (labelled like web) on the other. */
  @BeforeEach
  void cluster() {
    datapath = Datapath.open(pins, new DatapathSizes(1024, 1024));
    followed = FollowedLog.open(datapath.logPosition());
    log.apply(Fixtures.registerNode(NODE));
    log.apply(Fixtures.registerNode("n2"));
    assertThat(log.image().nodes().get("n2").orElseThrow().getPodCidr()).isEqualTo("10.200.1.0/24");
    log.apply(Fixtures.createEndpoint("web", NODE, "app=web"));
    log.apply(Fixtures.createEndpoint("db", NODE, "app=db"));
    log.apply(Fixtures.createEndpoint("remote", "n2", "app=web"));
    log.apply(Fixtures.markReady("web", "10.200.0.2"));
    log.apply(Fixtures.markReady("db", "10.200.0.3"));
    log.apply(Fixtures.markReady("remote", "10.200.1.2"));
  }

  @AfterEach
  void stop() throws InterruptedException, IOException {
    if (thread != null) {
      loop.stop();
      thread.interrupt();
      thread.join(10_000);
      assertThat(thread.isAlive()).as("the loop stops").isFalse();
    }
    datapath.close();
    if (Files.exists(pins)) {
      try (Stream<Path> walk = Files.walk(pins)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Starts the loop; from now on the log's events reach it as the watch would hand them over. */
  private void start() {
    AgentConfig config = new AgentConfig(NODE, pins, "", new InetSocketAddress("127.0.0.1", 0), RESYNC).withSizes(datapath.sizes());
    EndpointReconciler endpoints = new EndpointReconciler(NODE, log, plumbing, attached::add);
    loop = new ReconcileLoop(new ReconcileLoop.Wiring(config, endpoints, datapath, registry, clock, inbox,
        new TraceRequests(() -> inbox.offer(LoopInput.WAKEUP)), revisions, followed, (d, i) -> published.add(new Published(d, i)),
        completePasses::incrementAndGet, notices::add));
    log.deliverTo(e -> inbox.add(new LoopInput.Change(e)));
    thread = Thread.ofPlatform().name("test-reconciler").start(loop);
  }

  /** Starts the loop with a snapshot of the log, as the watch begins, and waits for the maps to reflect it. */
  private long startFromSnapshot() {
    start();
    inbox.add(new LoopInput.Snapshot(log.snapshot()));
    long revision = log.revision();
    awaitRevision(revision);
    return revision;
  }

  private void deliver(List<Event> events) {
    events.forEach(e -> inbox.add(new LoopInput.Change(e)));
  }

  /** Waits as {@code /v1/sync} does: until the loop recorded that the maps reflect {@code revision}. */
  private void awaitRevision(long revision) {
    try {
      assertThat(revisions.await(revision, DEADLINE)).as("the maps reflect revision %d", revision).contains(clock.instant());
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Waits until the log position remembered with the maps is {@code expected}. The loop records
   * the revision for {@code /v1/sync} first and then in the pinned map, so a test that woke on the
   * former may look at the latter a moment early.
   */
  private void awaitPosition(LogPosition expected) {
    await("the maps remember " + expected, () -> followed.position().equals(expected));
    assertThat(datapath.logPosition().read()).as("remembered with the maps").hasValue(expected);
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      LockSupport.parkNanos(1_000_000);
    }
  }

  private double resolutions() {
    return registry.get("nodus.agent.policy.resolutions").counter().count();
  }

  private double mapWrites() {
    return registry.get("nodus.agent.map.writes").counters().stream().mapToDouble(Counter::count).sum();
  }

  private int idOf(String endpoint) {
    return log.image().endpoints().get(endpoint).orElseThrow().getId();
  }

  private int identityOf(String endpoint) {
    return log.image().endpoints().get(endpoint).orElseThrow().getIdentity();
  }

  private EndpointInfo entryOf(String endpoint) {
    return datapath.endpoints().lookup(plumbing.ifindex(endpoint)).orElseThrow(
        () -> new AssertionError("no endpoint entry for " + endpoint + "; entries: " + datapath.endpoints().entries()));
  }

  private static Ipv4Prefix host(String address) {
    return Ipv4Prefix.host(Ipv4.parse(address));
  }

  @Test
  void aSnapshotRecomputesEveryLocalEndpointAndRemovesStaleMapState() {
    // What a previous run left for an endpoint deleted while the agent was down.
    datapath.endpoints().put(4242, new EndpointInfo(99, 400, Ipv4.parse("10.200.0.99"), true, true));
    datapath.policies().create(99).close();
    datapath.ipcache().put(host("10.200.0.99"), IpCacheEntry.local(400));

    long revision = startFromSnapshot();

    assertThat(resolutions()).as("every local endpoint once, no remote one").isEqualTo(2);
    assertThat(plumbing.plumbed()).containsExactlyInAnyOrder("web", "db");
    assertThat(plumbing.address("web")).as("the address the log holds").contains("10.200.0.2");
    assertThat(attached).containsExactlyInAnyOrder(plumbing.ifindex("web"), plumbing.ifindex("db"));
    assertThat(datapath.endpoints().entries()).containsOnlyKeys(plumbing.ifindex("web"), plumbing.ifindex("db"));
    assertThat(entryOf("web").endpointId()).isEqualTo(idOf("web"));
    assertThat(entryOf("db").identity()).isEqualTo(identityOf("db"));
    assertThat(datapath.policies().endpointIds()).containsExactlyInAnyOrder(idOf("web"), idOf("db"));
    assertThat(datapath.ipcache().entries()).doesNotContainKey(host("10.200.0.99"))
        .containsKeys(host("10.200.0.2"), host("10.200.0.3"), host("10.200.1.2"));
    awaitPosition(new LogPosition(FakeControlPlane.CLUSTER, revision, clock.millis()));
    await("the pass counts as complete", () -> completePasses.get() == 1);
  }

  @Test
  void aBatchResolvesOnlyTheEndpointsItsDeltaAffects() {
    startFromSnapshot();
    double before = resolutions();

    log.apply(Fixtures.upsertPolicy(Fixtures.allowIngress("p", "app=web", "app=client", 80)));
    awaitRevision(log.revision());
    assertThat(resolutions() - before).as("the policy selects web only").isEqualTo(1);
    assertThat(entryOf("web").ingressEnforced()).isTrue();
    assertThat(entryOf("db").ingressEnforced()).isFalse();

    // A new identity that the policy's peer selector selects: web again, and only web.
    log.apply(Fixtures.createEndpoint("client-1", "n2", "app=client"));
    awaitRevision(log.revision());
    assertThat(resolutions() - before).isEqualTo(2);
    try (PolicyMap web = datapath.policies().open(idOf("web")).orElseThrow()) {
      assertThat(web.entries()).containsKey(PolicyKey.ingress(identityOf("client-1"), 80, 6));
    }

    // An identity no selector of this node's endpoints selects: nothing to resolve.
    log.apply(Fixtures.createEndpoint("other-1", "n2", "app=other"));
    awaitRevision(log.revision());
    assertThat(resolutions() - before).isEqualTo(2);
  }

  @Test
  void aBatchOfOnlyServiceIpamAndMemberEventsWritesNoMapButRecordsItsRevision() {
    startFromSnapshot();
    double writes = mapWrites();
    double before = resolutions();
    int plumbCalls = plumbing.plumbCalls().size();

    log.apply(Fixtures.upsertService("web", "10.96.0.10", 80, "10.200.0.2:8080"));
    log.apply(Fixtures.createPool("extra", "10.201.0.0/16", 24));
    log.apply(Fixtures.allocate("extra", "tenant-a", 0));
    log.apply(Command.newBuilder().setRequestId("member-c1").setRecordMember(RecordMember.newBuilder().setMember(
        ControllerMember.newBuilder().setId("c1").setRaftAddress("10.0.0.1:9402").setGrpcAddress("10.0.0.1:9401"))).build());
    long revision = log.revision();

    awaitRevision(revision);
    assertThat(mapWrites()).as("map entries written or deleted").isEqualTo(writes);
    assertThat(resolutions()).isEqualTo(before);
    assertThat(plumbing.plumbCalls()).hasSize(plumbCalls);
    awaitPosition(new LogPosition(FakeControlPlane.CLUSTER, revision, clock.millis()));
    assertThat(published.subList(1, published.size())).as("still published, for the directory and what comes")
        .flatExtracting(p -> List.copyOf(p.delta().kinds()))
        .contains(ResourceKind.KIND_SERVICE, ResourceKind.KIND_IPAM, ResourceKind.KIND_MEMBER)
        .doesNotContain(ResourceKind.KIND_ENDPOINT, ResourceKind.KIND_POLICY, ResourceKind.KIND_IDENTITY, ResourceKind.KIND_NODE);
  }

  @Test
  void aStaleOrForeignSnapshotIsRefusedAndTheMapsStay() {
    long revision = startFromSnapshot();
    int web = plumbing.ifindex("web");
    int db = plumbing.ifindex("db");

    // Applied, either would remove every endpoint's maps: neither holds an endpoint.
    ClusterState foreign = log.snapshot().toBuilder().setClusterUuid(OTHER_CLUSTER).setRevision(revision + 100).clearEndpoints().build();
    ClusterState restored = log.snapshot().toBuilder().setRevision(revision - 1).clearEndpoints().build();
    inbox.add(new LoopInput.Snapshot(foreign));
    inbox.add(new LoopInput.Snapshot(restored));
    log.apply(Fixtures.upsertService("web", "10.96.0.10", 80, "10.200.0.2:8080"));

    awaitRevision(revision + 1);
    assertThat(datapath.endpoints().entries()).containsOnlyKeys(web, db);
    assertThat(datapath.policies().endpointIds()).containsExactlyInAnyOrder(idOf("web"), idOf("db"));
    assertThat(plumbing.unplumbCalls()).isEmpty();
    assertThat(published).filteredOn(p -> p.delta().snapshot()).as("only the first snapshot").hasSize(1);
    awaitPosition(new LogPosition(FakeControlPlane.CLUSTER, revision + 1, clock.millis()));
  }

  @Test
  void aWatchGapFailsThePassAndTheResetRecomputesEverything() {
    long revision = startFromSnapshot();
    double before = resolutions();
    plumbing.vanish("web");
    List<Event> lost = log.applyUndelivered(Fixtures.upsertPolicy(Fixtures.allowIngress("p", "app=web", "app=db", 80)));
    List<Event> ahead = log.applyUndelivered(Fixtures.upsertService("web", "10.96.0.10", 80, "10.200.0.2:8080"));
    assertThat(lost).hasSize(1);

    deliver(ahead);
    await("a reset recomputes every local endpoint", () -> resolutions() == before + 2);
    assertThat(published).hasSize(2);
    assertThat(published.get(1).delta().snapshot()).as("the image the loop holds, as a snapshot").isTrue();
    assertThat(published.get(1).image().revision()).isEqualTo(revision);
    assertThat(plumbing.plumbed()).as("re-plumbed as on a snapshot").contains("web");
    assertThat(revisions.last()).as("the event after the gap is not applied").isEqualTo(revision);
    assertThat(followed.position().revision()).isEqualTo(revision);

    // A watch that resumes without a gap carries on from there.
    deliver(lost);
    deliver(ahead);
    awaitRevision(revision + 2);
    try (PolicyMap web = datapath.policies().open(idOf("web")).orElseThrow()) {
      assertThat(web.entries()).containsKey(PolicyKey.ingress(identityOf("db"), 80, 6));
    }
  }

  @Test
  void aFailingEndpointIsRetriedAndDoesNotStopTheOthers() {
    plumbing.fail("web");
    long revision = startFromSnapshot();

    assertThat(datapath.endpoints().entries()).as("db's entry; web has no interface").containsOnlyKeys(plumbing.ifindex("db"));
    assertThat(attached).containsExactly(plumbing.ifindex("db"));
    awaitPosition(new LogPosition(FakeControlPlane.CLUSTER, revision, clock.millis())); // what failed is retried
    await("web is retried, more than once", () -> plumbing.plumbCalls("web") >= 3);
    assertThat(completePasses).as("no pass is complete while web fails").hasValue(0);

    plumbing.heal("web");
    await("web's maps are written once it is plumbed",
        () -> plumbing.plumbed().contains("web") && datapath.endpoints().lookup(plumbing.ifindex("web")).isPresent());
    assertThat(entryOf("web").endpointId()).isEqualTo(idOf("web"));
    await("web is attached", () -> attached.contains(plumbing.ifindex("web")));
    await("a complete pass", () -> completePasses.get() >= 1);
  }

  @Test
  void thePeriodicResyncReplumbsWhatVanished() {
    long revision = startFromSnapshot();
    int before = plumbing.ifindex("web");
    plumbing.vanish("web");

    // Before the interval is over a wakeup re-checks nothing.
    inbox.add(LoopInput.WAKEUP);
    log.apply(Fixtures.upsertService("web", "10.96.0.10", 80, "10.200.0.2:8080"));
    awaitRevision(revision + 1);
    assertThat(plumbing.plumbCalls("web")).isEqualTo(1);

    clock.advance(RESYNC);
    // The loop's own timer is its inbox poll, on real time; a wakeup stands in for it.
    inbox.add(LoopInput.WAKEUP);
    await("the resync plumbs web again", () -> plumbing.plumbed().contains("web"));
    int now = plumbing.ifindex("web");
    assertThat(now).as("a new interface").isNotEqualTo(before);
    assertThat(plumbing.address("web")).contains("10.200.0.2");
    await("web's entry follows its interface", () -> datapath.endpoints().entries().keySet().equals(
        Set.of(now, plumbing.ifindex("db"))));
    await("the programs are attached to it", () -> attached.contains(now));
  }

  @Test
  void aNewLocalEndpointIsMarkedReadyOnlyOnceItsMapsAndProgramsAreInPlace() {
    startFromSnapshot();
    List<String> seenAtSubmit = new CopyOnWriteArrayList<>();
    log.onSubmit(c -> {
      String name = c.getMarkEndpointReady().getName();
      int ifindex = plumbing.ifindex(name);
      seenAtSubmit.add(name + " entry=" + datapath.endpoints().lookup(ifindex).isPresent() + " attached=" + attached.contains(ifindex)
          + " policy=" + datapath.policies().endpointIds().contains(idOf(name)));
    });

    log.apply(Fixtures.createEndpoint("api", NODE, "app=web"));
    await("api is ready in the log",
        () -> log.image().endpoints().get("api").map(e -> e.getState() == EndpointState.ENDPOINT_STATE_READY).orElse(false));
    awaitRevision(log.revision());

    assertThat(seenAtSubmit).containsExactly("api entry=true attached=true policy=true");
    assertThat(log.image().endpoints().get("api").orElseThrow().getIpv4()).isEqualTo("10.200.0.4");
    assertThat(datapath.ipcache().entries()).as("ready: in the ipcache").containsEntry(host("10.200.0.4"),
        IpCacheEntry.local(identityOf("api")));
  }

  @Test
  void thePublisherSeesEachBatchAsADeltaAndASnapshotAsADeltaFromEmpty() {
    long revision = startFromSnapshot();
    assertThat(published).singleElement().satisfies(p -> {
      assertThat(p.delta().snapshot()).isTrue();
      assertThat(p.delta().endpoints().keys()).containsExactlyInAnyOrder("web", "db", "remote");
      assertThat(p.image()).isEqualTo(log.image());
    });

    log.apply(Fixtures.upsertPolicy(Fixtures.allowIngress("p", "app=web", "app=db", 80)));
    awaitRevision(revision + 1);
    assertThat(published).hasSize(2);
    Published last = published.get(1);
    assertThat(last.delta().snapshot()).isFalse();
    assertThat(last.delta().policies().keys()).containsExactly(PoliciesImage.key("default", "p"));
    assertThat(last.delta().endpoints().keys()).isEmpty();
    assertThat(last.image()).isEqualTo(log.image());
  }
}
