package io.nodus.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nodus.agent.control.FollowedLog;
import io.nodus.agent.datapath.ChangeSet;
import io.nodus.agent.datapath.DesiredDatapath;
import io.nodus.agent.datapath.EndpointPlan;
import io.nodus.agent.datapath.MapSyncer;
import io.nodus.agent.datapath.PolicyTracker;
import io.nodus.agent.monitor.AgentNotice;
import io.nodus.agent.monitor.TraceRequests;
import io.nodus.agent.plumbing.HostNetwork;
import io.nodus.bpf.Datapath;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.FollowedStream;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.evolve.Evolver;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.policy.EndpointPolicy;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Event;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
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
 * The agent's reconciler thread: folds watched events into the local image and, after each
 * batch, makes plumbing and maps match it, touching only what the batch can affect (a
 * {@link ChangeSet} and the {@link PolicyTracker} decide which endpoints). A snapshot recomputes
 * everything and removes what is stale; a periodic resync re-checks plumbing and attachments.
 * After each pass the {@link FollowedLog} remembers the revision the maps reflect, with the maps,
 * and a snapshot older than that, or of another cluster, is never applied.
 *
 * <p>Threading: {@link #run} is the only code that touches the image, the plumbing and the maps;
 * other threads hand work over through the inbox (events, snapshots, {@link #WAKEUP}).
 */
final class ReconcileLoop implements Runnable {
  /** Asks for a pass even without events (a retry, a trace request). */
  static final Object WAKEUP = new Object();
  /** Asks for a full recomputation (after a pass failed half-way, the tracker is unsure). */
  private static final Object RESET = new Object();

  private static final Logger LOG = LoggerFactory.getLogger(ReconcileLoop.class);
  private static final long HOST_REFRESH_NANOS = 10_000_000_000L;
  private static final long RETRY_MILLIS = 500;

  private final AgentConfig config;
  private final Datapath datapath;
  private final BlockingQueue<Object> inbox;
  private final Clock clock;
  private final TraceRequests traces;
  private final RevisionLog revisions;
  private final FollowedLog followed;
  private final Consumer<ClusterImage> onImage;
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
  private long lastResync = System.nanoTime();
  private boolean synced;
  private volatile boolean running = true;

  ReconcileLoop(AgentConfig config, ControlPlaneClient client, Datapath datapath, MeterRegistry registry, Clock clock,
      BlockingQueue<Object> inbox, TraceRequests traces, RevisionLog revisions, FollowedLog followed, Consumer<ClusterImage> onImage,
      Runnable onFirstSync, Consumer<AgentNotice> notices) {
    this.config = config;
    this.datapath = datapath;
    this.inbox = inbox;
    this.clock = clock;
    this.traces = traces;
    this.revisions = revisions;
    this.followed = followed;
    this.cluster = followed.position().clusterUuid();
    this.onImage = onImage;
    this.onFirstSync = onFirstSync;
    this.reconciler = new EndpointReconciler(config.node(), client, datapath);
    this.syncer = new MapSyncer(datapath, registry, (before, now) -> notices.accept(now.ok()
        ? AgentNotice.of("endpoint-recovered", now.name(), "the maps hold the policy of revision " + now.revision() + " again", clock.millis())
        : AgentNotice.of("endpoint-error", now.name(), now.error(), clock.millis())));
    this.tracker = new PolicyTracker(config.node());
    this.propagation = Timer.builder("nodus.agent.propagation")
        .description("Delay from a command's commit (leader time) to its map entries being written")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
    this.resolutions = Counter.builder("nodus.agent.policy.resolutions")
        .description("Endpoint policies resolved again (only endpoints a change can affect)").register(registry);
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
          inbox.offer(RESET);
          sleep();
        }
      }
    } finally {
      syncer.close();
    }
  }

  private void step() throws InterruptedException {
    long wait = Math.max(1, config.resyncInterval().toMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastResync));
    List<Object> batch = new ArrayList<>();
    Object first = inbox.poll(retry.isEmpty() ? wait : Math.min(wait, RETRY_MILLIS), TimeUnit.MILLISECONDS);
    if (first != null) {
      batch.add(first);
      inbox.drainTo(batch);
    }
    ChangeSet changes = new ChangeSet();
    for (Object o : batch) {
      if (o instanceof ClusterState s) {
        Optional<String> refused = followed.refusal(s);
        if (refused.isPresent()) {
          // The watch refuses such streams; applying one would tear down what the maps enforce.
          LOG.error("snapshot not applied, the maps stay as they are: {} (the watch should have refused it)", refused.get());
          continue;
        }
        image = ImageCodec.fromState(s);
        cluster = s.getClusterUuid().isEmpty() ? cluster : s.getClusterUuid();
        changes = ChangeSet.everything();
        synced = true;
      } else if (o instanceof FollowedStream f) {
        // A cluster without an id when its snapshot was taken (it had no entry yet) is named by a later stream.
        cluster = cluster.isEmpty() ? f.clusterUuid() : cluster;
      } else if (o == RESET) {
        changes = ChangeSet.everything();
      } else if (o instanceof Event e && e.getRevision() == image.revision() + 1) {
        changes.observe(image, e);
        image = Evolver.evolve(image, e);
      } else if (o instanceof Event e && e.getRevision() > image.revision() + 1) {
        // Events after a gap can only come from a broken watch; the client resumes without gaps.
        throw new IllegalStateException("watch gap: event " + e.getRevision() + " after revision " + image.revision());
      }
    }
    if (!synced) {
      return;
    }
    boolean resync = System.nanoTime() - lastResync >= config.resyncInterval().toNanos();
    TraceRequests.Snapshot nowTraced = traces.snapshot();
    if (changes.isEmpty() && !resync && retry.isEmpty() && nowTraced.equals(traced)) {
      return;
    }
    pass(changes, resync, nowTraced);
  }

  private void pass(ChangeSet changes, boolean resync, TraceRequests.Snapshot nowTraced) {
    long revision = image.revision();
    if (!changes.isEmpty()) {
      onImage.accept(image);
    }
    Set<String> again = new TreeSet<>(retry);
    retry.clear();
    again.addAll(reconciler.failed());
    // 1. Plumbing: every endpoint on a snapshot or resync, else the ones the batch names.
    Set<String> plumbed;
    if (changes.full() || resync) {
      plumbed = reconciler.plumb(image, null, true);
      lastResync = System.nanoTime();
    } else {
      Set<String> names = new TreeSet<>(changes.endpoints());
      names.addAll(again);
      boolean gone = names.stream().anyMatch(n -> image.endpoints().get(n).filter(e -> e.getNode().equals(config.node())).isEmpty());
      plumbed = names.isEmpty() ? Set.of() : reconciler.plumb(image, names, gone);
    }
    // 2. Which endpoints' maps to write.
    Set<String> affected = tracker.affected(image, changes);
    affected.addAll(plumbed);
    affected.addAll(again);
    affected.addAll(traceChanges(nowTraced));
    // 3. The ipcache, when addresses or CIDR identities may have moved.
    if (refreshHostAddresses() || changes.ipcache()) {
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
    if (changes.full()) {
      syncer.removeStale();
    }
    // 5. Programs, then readiness: an endpoint is reachable only once its policy is enforced.
    reconciler.attachAll();
    reconciler.markReady(image, syncer.statuses().keySet());
    retry.addAll(reconciler.failed());
    long nowMillis = clock.millis();
    for (Event e : changes.events()) {
      if (e.getTimeMillis() > 0) {
        propagation.record(Math.max(0, nowMillis - e.getTimeMillis()), TimeUnit.MILLISECONDS);
      }
    }
    revisions.written(revision, clock.instant());
    followed.applied(cluster, revision, clock.millis());
    if (retry.isEmpty()) {
      onFirstSync.run();
    } else {
      LOG.warn("pass incomplete revision={} retrying={}", revision, retry);
    }
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
    if (System.nanoTime() - hostRefreshedAt < HOST_REFRESH_NANOS && !hostAddresses.isEmpty()) {
      return false;
    }
    hostRefreshedAt = System.nanoTime();
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
