package io.nodus.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nodus.agent.control.FollowedLog;
import io.nodus.agent.datapath.DesiredDatapath;
import io.nodus.agent.datapath.EndpointPlan;
import io.nodus.agent.datapath.MapSyncer;
import io.nodus.agent.datapath.PolicyTracker;
import io.nodus.agent.monitor.AgentNotice;
import io.nodus.agent.monitor.TraceRequests;
import io.nodus.agent.plumbing.HostNetwork;
import io.nodus.bpf.Datapath;
import io.nodus.raft.client.FollowedStream;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.delta.ClusterDelta;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.policy.EndpointPolicy;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.ResourceKind;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's reconciler thread: folds watched events into the local image as a
 * {@link ClusterDelta} per batch (a snapshot is a delta from the empty image), publishes
 * {@code (delta, image)}, and makes plumbing and maps match the image, touching only what the
 * delta can affect (the core's {@link io.nodus.state.policy.PolicyImpact}, through the
 * {@link PolicyTracker}). A snapshot recomputes everything and removes what is stale; a periodic
 * resync re-checks plumbing and attachments. After each pass the {@link FollowedLog} remembers
 * the revision the maps reflect, with the maps, and a snapshot older than that, or of another
 * cluster, is never applied.
 *
 * <p>Threading: {@link #run} is the only code that touches the image, the plumbing and the maps;
 * other threads hand work over through the inbox ({@link LoopInput}).
 */
final class ReconcileLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ReconcileLoop.class);
  private static final long HOST_REFRESH_MILLIS = 10_000;
  private static final long RETRY_MILLIS = 500;
  /** The kinds of resource the L3/L4 datapath is made of; services, IPAM and members are not. */
  private static final Set<ResourceKind> DATAPATH_KINDS = EnumSet.of(ResourceKind.KIND_CLUSTER, ResourceKind.KIND_IDENTITY,
      ResourceKind.KIND_NODE, ResourceKind.KIND_ENDPOINT, ResourceKind.KIND_POLICY);

  /**
   * What the loop works with.
   *
   * @param endpoints plumbs local endpoints, attaches the programs and tells the control plane
   *     which are ready
   * @param clock the one clock of the loop: propagation delays, resync and refresh intervals
   * @param inbox what other threads hand over
   * @param publisher told of every batch's delta and image (the identity directory of the monitor)
   * @param onFirstSync run after each complete pass (the agent's first-sync latch)
   * @param notices endpoint errors and recoveries, for the monitor
   */
  record Wiring(AgentConfig config, EndpointReconciler endpoints, Datapath datapath, MeterRegistry registry, Clock clock,
      BlockingQueue<LoopInput> inbox, TraceRequests traces, RevisionLog revisions, FollowedLog followed,
      ClusterPublisher publisher, Runnable onFirstSync, Consumer<AgentNotice> notices) {}

  private final AgentConfig config;
  private final Datapath datapath;
  private final BlockingQueue<LoopInput> inbox;
  private final Clock clock;
  private final TraceRequests traces;
  private final RevisionLog revisions;
  private final FollowedLog followed;
  private final ClusterPublisher publisher;
  private final Runnable onFirstSync;
  private final EndpointReconciler reconciler;
  private final MapSyncer syncer;
  private final PolicyTracker tracker;
  private final Timer propagation;
  private final Counter resolutions;
  private ClusterImage image = ClusterImage.EMPTY;
  /** The cluster whose log the image folds; empty until a snapshot or stream names it. */
  private String cluster;
  private final Set<String> retry = new TreeSet<>();
  private TraceRequests.Snapshot traced = new TraceRequests.Snapshot(false, Set.of());
  private List<String> hostAddresses = List.of();
  private long hostRefreshedAt;
  private long lastResync;
  private boolean synced;
  private volatile boolean running = true;

  ReconcileLoop(Wiring w) {
    this.config = w.config();
    this.datapath = w.datapath();
    this.inbox = w.inbox();
    this.clock = w.clock();
    this.traces = w.traces();
    this.revisions = w.revisions();
    this.followed = w.followed();
    this.cluster = followed.position().clusterUuid();
    this.publisher = w.publisher();
    this.onFirstSync = w.onFirstSync();
    this.lastResync = clock.millis();
    this.reconciler = w.endpoints();
    Consumer<AgentNotice> notices = w.notices();
    this.syncer = new MapSyncer(datapath, w.registry(), (before, now) -> notices.accept(now.ok()
        ? AgentNotice.of("endpoint-recovered", now.name(), "the maps hold the policy of revision " + now.revision() + " again", clock.millis())
        : AgentNotice.of("endpoint-error", now.name(), now.error(), clock.millis())));
    this.tracker = new PolicyTracker(config.node());
    this.propagation = Timer.builder("nodus.agent.propagation")
        .description("Delay from a command's commit (cluster time) to its map entries being written")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
        .register(w.registry());
    this.resolutions = Counter.builder("nodus.agent.policy.resolutions")
        .description("Endpoint policies resolved again (only endpoints a change can affect)").register(w.registry());
  }

  MapSyncer syncer() {
    return syncer;
  }

  void stop() {
    running = false;
  }

  @Override
  public void run() {
    try {
      while (running) {
        try {
          step();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          LOG.error("reconciler pass failed revision={} error={}", image.revision(), e.toString(), e);
          inbox.offer(LoopInput.RESET);
          sleep();
        }
      }
    } finally {
      syncer.close();
    }
  }

  private void step() throws InterruptedException {
    long wait = Math.max(1, config.resyncInterval().toMillis() - (clock.millis() - lastResync));
    List<LoopInput> batch = new ArrayList<>();
    LoopInput first = inbox.poll(retry.isEmpty() ? wait : Math.min(wait, RETRY_MILLIS), TimeUnit.MILLISECONDS);
    if (first != null) {
      batch.add(first);
      inbox.drainTo(batch);
    }
    ClusterDelta delta = ClusterDelta.on(image);
    List<Event> events = new ArrayList<>();
    boolean reset = false;
    for (LoopInput in : batch) {
      switch (in) {
        case LoopInput.Snapshot s -> {
          Optional<String> refused = followed.refusal(s.state());
          if (refused.isPresent()) {
            // The watch refuses such streams; applying one would tear down what the maps enforce.
            LOG.error("snapshot not applied, the maps stay as they are: {} (the watch should have refused it)", refused.get());
            continue;
          }
          delta = ClusterDelta.fromEmpty(ImageCodec.fromState(s.state()));
          events.clear();
          cluster = s.state().getClusterUuid().isEmpty() ? cluster : s.state().getClusterUuid();
          synced = true;
        }
        // A cluster without an id when its snapshot was taken (it had no entry yet) is named by a later stream.
        case LoopInput.Following f -> cluster = cluster.isEmpty() ? f.stream().clusterUuid() : cluster;
        case LoopInput.Reset r -> reset = true;
        case LoopInput.Wakeup w -> { }
        case LoopInput.Change c -> {
          Event e = c.event();
          long at = delta.apply().revision();
          if (e.getRevision() == at + 1) {
            delta.replay(e);
            events.add(e);
          } else if (e.getRevision() > at + 1) {
            // Events after a gap can only come from a broken watch; the client resumes without gaps.
            throw new IllegalStateException("watch gap: event " + e.getRevision() + " after revision " + at);
          }
        }
      }
    }
    image = delta.apply();
    if (reset) {
      // Everything again, as from a snapshot of the image the loop holds.
      delta = ClusterDelta.fromEmpty(image);
    }
    if (!synced) {
      return;
    }
    boolean changed = delta.snapshot() || !events.isEmpty();
    boolean resync = clock.millis() - lastResync >= config.resyncInterval().toMillis();
    TraceRequests.Snapshot nowTraced = traces.snapshot();
    if (!changed && !resync && retry.isEmpty() && nowTraced.equals(traced)) {
      return;
    }
    if (changed) {
      publisher.publish(delta, image);
    }
    if (changed && !resync && retry.isEmpty() && nowTraced.equals(traced) && !delta.snapshot()
        && Collections.disjoint(delta.kinds(), DATAPATH_KINDS)) {
      // Services, IPAM and members only: the maps reflect this revision as they are.
      recordApplied(image.revision());
      return;
    }
    pass(delta, events, resync, nowTraced);
  }

  private void pass(ClusterDelta delta, List<Event> events, boolean resync, TraceRequests.Snapshot nowTraced) {
    long revision = image.revision();
    Set<String> again = new TreeSet<>(retry);
    retry.clear();
    again.addAll(reconciler.failed());
    // 1. Plumbing: every endpoint on a snapshot or resync, else the ones the delta names.
    Set<String> plumbed;
    if (delta.snapshot() || resync) {
      plumbed = reconciler.plumb(image, null, true);
      lastResync = clock.millis();
    } else {
      Set<String> names = new TreeSet<>(delta.endpoints().keys());
      names.addAll(again);
      boolean gone = names.stream().anyMatch(n -> image.endpoints().get(n).filter(e -> e.getNode().equals(config.node())).isEmpty());
      plumbed = names.isEmpty() ? Set.of() : reconciler.plumb(image, names, gone);
    }
    // 2. Which endpoints' maps to write: what the core says the delta affects, and what failed.
    Set<String> affected = tracker.affected(delta);
    affected.addAll(plumbed);
    affected.addAll(again);
    affected.addAll(traceChanges(nowTraced));
    // 3. The ipcache, when addresses or CIDR identities may have moved.
    if (refreshHostAddresses() || delta.snapshot() || !delta.nodes().isEmpty() || !delta.endpoints().isEmpty()
        || !delta.identities().created().isEmpty() || !delta.identities().removed().isEmpty()) {
      syncer.syncIpcache(DesiredDatapath.ipcache(image, config.node(), hostAddresses));
    }
    // 4. The affected endpoints, each on its own: one failure does not stop the others.
    for (String name : affected) {
      try {
        Optional<Endpoint> e = image.endpoints().get(name).filter(x -> x.getNode().equals(config.node()));
        if (e.isEmpty()) {
          syncer.removeEndpoint(name);
        } else {
          syncer.syncEndpoint(plan(e.get(), revision));
        }
      } catch (RuntimeException ex) {
        retry.add(name);
        LOG.error("endpoint maps not written endpoint={} revision={} error={}", name, revision, ex.toString());
      }
    }
    resolutions.increment(affected.size());
    if (delta.snapshot()) {
      syncer.removeStale();
    }
    // 5. Programs, then readiness: an endpoint is reachable only once its policy is enforced.
    reconciler.attachAll();
    reconciler.markReady(image, syncer.statuses().keySet());
    retry.addAll(reconciler.failed());
    long nowMillis = clock.millis();
    for (Event e : events) {
      if (e.getTimeMillis() > 0) {
        propagation.record(Math.max(0, nowMillis - e.getTimeMillis()), TimeUnit.MILLISECONDS);
      }
    }
    recordApplied(revision);
    if (retry.isEmpty()) {
      onFirstSync.run();
    } else {
      LOG.warn("pass incomplete revision={} retrying={}", revision, retry);
    }
  }

  /** The maps reflect {@code revision}: for /v1/sync, and remembered with the maps. */
  private void recordApplied(long revision) {
    revisions.written(revision, clock.instant());
    followed.applied(cluster, revision, clock.millis());
  }

  private EndpointPlan plan(Endpoint e, long revision) {
    EndpointPolicy policy = tracker.resolve(image, e);
    EndpointReconciler.Attachment at = reconciler.attachments().get(e.getName());
    return new EndpointPlan(e.getName(), e.getId(), e.getIdentity(), at == null ? 0 : at.ifindex(), at == null ? "" : at.ipv4(),
        policy.ingressEnforced(), policy.egressEnforced(), traced.endpoints().contains(e.getName()), PolicyTracker.contents(policy),
        revision);
  }

  /** Applies a new trace request set: the datapath-wide switch here, endpoint flags via their plans. */
  private Set<String> traceChanges(TraceRequests.Snapshot now) {
    Set<String> changed = new HashSet<>(now.endpoints());
    changed.addAll(traced.endpoints());
    changed.removeIf(n -> now.endpoints().contains(n) == traced.endpoints().contains(n));
    if (now.all() != traced.all()) {
      datapath.config().set(datapath.config().get().withTraceAll(now.all()));
      LOG.info("datapath-wide tracing {}", now.all() ? "on" : "off");
    }
    traced = now;
    return changed;
  }

  /** Re-reads the node's own addresses every 10 s; true when they changed. */
  private boolean refreshHostAddresses() {
    if (clock.millis() - hostRefreshedAt < HOST_REFRESH_MILLIS && !hostAddresses.isEmpty()) {
      return false;
    }
    hostRefreshedAt = clock.millis();
    List<String> now = HostNetwork.ipv4Addresses();
    boolean changed = !now.equals(hostAddresses);
    hostAddresses = now;
    return changed;
  }

  private static void sleep() {
    try {
      Thread.sleep(RETRY_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
