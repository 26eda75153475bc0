package io.nodus.agent;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.agent.control.ControlPlaneAlarm;
import io.nodus.agent.control.ControlPlaneState;
import io.nodus.agent.control.FollowedLog;
import io.nodus.agent.datapath.EndpointStatus;
import io.nodus.agent.metrics.CtCollector;
import io.nodus.agent.metrics.DatapathMetrics;
import io.nodus.agent.monitor.AgentHttpServer;
import io.nodus.agent.monitor.AgentView;
import io.nodus.agent.monitor.IdentityDirectory;
import io.nodus.agent.monitor.MonitorHub;
import io.nodus.agent.monitor.TraceRequests;
import io.nodus.agent.plumbing.EndpointPlumber;
import io.nodus.agent.plumbing.HostNetwork;
import io.nodus.bpf.Datapath;
import io.nodus.bpf.events.EventReader;
import io.nodus.bpf.maps.LogPosition;
import io.nodus.raft.client.ClusterBoundClient;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.ControlPlaneException;
import io.nodus.raft.client.FollowedStream;
import io.nodus.raft.client.StaleStream;
import io.nodus.raft.client.WatchListener;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Event;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent. It loads the datapath over the node's pins, registers its node, watches the
 * log (a snapshot, then events) and lets the {@link ReconcileLoop} fold every event into a local
 * image and bring plumbing and maps in line, writing only what a change can affect.
 *
 * <p>Fail static: the watch starts from what the maps reflect ({@link FollowedLog}, remembered
 * with the pins), so a controller that offers an older state or another cluster's (wiped,
 * restored, replaced) is refused and the maps stay as they are; so are they while no controller
 * can serve. The {@link ControlPlaneAlarm} reports it (log, metrics, {@code /healthz},
 * {@code /v1/status}). A node whose maps already follow a log does not wait for the control
 * plane to start: it registers again once a controller continues that log. Following another
 * cluster takes the operator's {@link AgentConfig#adoptCluster}.
 *
 * <p>Beside it: the ring-buffer reader feeding the monitor, the CT garbage collector, and the
 * local HTTP API (metrics, monitor, status, endpoint status, revision sync).
 *
 * <p>Threading: one reconciler thread owns the image, the plumbing and the maps. The watch
 * callbacks only enqueue, tell the (thread-safe) alarm, and once start the registration on a
 * thread of its own; the ring-buffer reader publishes to the monitor hub and reads the
 * {@link IdentityDirectory} the reconciler publishes; the CT collector has its own thread.
 * Nothing the agent does on start or stop removes pinned maps or attached programs: enforcement
 * continues while it is down, and a restart replaces the programs atomically.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final AgentConfig config;
  private final ControlPlaneClient client;
  private final PrometheusMeterRegistry registry;
  private final Clock clock;
  private final BlockingQueue<LoopInput> inbox = new LinkedBlockingQueue<>();
  private final CountDownLatch firstSync = new CountDownLatch(1);
  private final RevisionLog revisions = new RevisionLog();
  private final TraceRequests traces = new TraceRequests(() -> inbox.offer(LoopInput.WAKEUP));

  private final AtomicBoolean registrationDue = new AtomicBoolean();

  private volatile IdentityDirectory directory = IdentityDirectory.EMPTY;
  private volatile boolean closing;
  private Datapath datapath;
  private FollowedLog followed;
  private ControlPlaneAlarm alarm;
  private EventReader eventReader;
  private DatapathMetrics datapathMetrics;
  private CtCollector ctCollector;
  private AgentHttpServer http;
  private WatchSubscription watch;
  private ReconcileLoop loop;
  private Thread reconcilerThread;

  public Agent(AgentConfig config, ControlPlaneClient client, PrometheusMeterRegistry registry, Clock clock) {
    this.config = config;
    this.client = client;
    this.registry = registry;
    this.clock = clock;
  }

  /** Starts every part and returns; {@link #awaitFirstSync} tells when the maps reflect the log. */
  public void start() throws Exception {
    HostNetwork.ensureBpffs();
    HostNetwork.enableForwarding();
    datapath = Datapath.open(config.pinRoot(), config.sizes());
    if (!datapath.replacedMaps().isEmpty()) {
      LOG.warn("pinned maps replaced (definition changed) maps={}; they are rebuilt before the programs are replaced",
          datapath.replacedMaps());
    }
    datapath.config().set(config.datapath());
    followed = FollowedLog.open(datapath.logPosition());
    if (!config.adoptCluster().isEmpty()) {
      followed.adopt(config.adoptCluster());
    }
    LogPosition position = followed.position();
    if (position.revision() > 0) {
      // The pinned maps reflect this revision already: /v1/sync answers for it at once.
      revisions.written(position.revision(), Instant.ofEpochMilli(position.appliedAtMillis()));
    }
    alarm = new ControlPlaneAlarm(clock, registry, followed::position);
    MonitorHub hub = new MonitorHub(() -> directory, clock);
    eventReader = datapath.readEvents(hub::publish);
    datapathMetrics = new DatapathMetrics(datapath.metrics(), registry);
    ctCollector = new CtCollector(datapath.conntrack(), registry, config.ctGcInterval());
    Gauge.builder("nodus.agent.revision", revisions, RevisionLog::last).description("Last log revision the agent applied")
        .register(registry);
    Gauge.builder("nodus.agent.applied.revision.age", this, a -> a.appliedAgeSeconds())
        .description("Seconds since the maps came to reflect the revision they hold (grows in a quiet cluster too: read it "
            + "with nodus_agent_control_plane_stale and _unavailable)").baseUnit("seconds").register(registry);
    // Writes carry the id of the cluster the maps follow: a controller of another cluster refuses them.
    ControlPlaneClient writer = new ClusterBoundClient(client, () -> followed.position().clusterUuid());
    EndpointReconciler endpoints = new EndpointReconciler(config.node(), writer, new EndpointPlumber(config.node()), datapath::attach);
    loop = new ReconcileLoop(new ReconcileLoop.Wiring(config, endpoints, datapath, registry, clock, inbox, traces, revisions,
        followed, (delta, image) -> directory = IdentityDirectory.of(image), firstSync::countDown, hub::notice));
    http = new AgentHttpServer(config.api(), registry, hub, new View());
    if (position.isKnown()) {
      // The maps enforce a log already: never block on, nor write to, a control plane that may
      // not continue it. Registration waits for a controller that does.
      registrationDue.set(true);
      LOG.info("maps follow cluster={} revision={}; the node registers again once a controller continues that log",
          position.clusterUuid().isEmpty() ? "(unnamed)" : position.clusterUuid(), position.revision());
    } else {
      new NodeRegistration(config, writer).now();
    }
    reconcilerThread = Thread.ofPlatform().name("agent-reconciler").start(loop);
    watch = client.watch(followed.watchStart(), Set.of(), new WatchListener() {
      @Override
      public void onSnapshot(ClusterState state) {
        inbox.add(new LoopInput.Snapshot(state));
      }

      @Override
      public void onEvent(Event event) {
        inbox.add(new LoopInput.Change(event));
      }

      @Override
      public void onFollowing(FollowedStream stream) {
        alarm.following(stream);
        inbox.add(new LoopInput.Following(stream));
        if (registrationDue.compareAndSet(true, false)) {
          Thread.ofVirtual().name("agent-register").start(() -> new NodeRegistration(config, writer).again(() -> closing));
        }
      }

      @Override
      public void onStale(StaleStream stale) {
        alarm.stale(stale);
      }

      @Override
      public void onUnavailable(String controller, ControlPlaneException cause) {
        alarm.unavailable(controller, cause);
      }

      @Override
      public void onError(ControlPlaneException error) {
        LOG.error("watch ended, the maps stay as they are until the agent restarts node={} error={}", config.node(), error.getMessage());
      }
    });
    LOG.info("agent started node={} pins={} ct_entries={} policy_entries={} cluster={} revision={}", config.node(), config.pinRoot(),
        config.sizes().ctEntries(), config.sizes().policyEntries(), position.clusterUuid(), position.revision());
  }

  /** Blocks until the maps reflect the log once, or the timeout passes. */
  public boolean awaitFirstSync(Duration timeout) throws InterruptedException {
    return firstSync.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Blocks until the maps reflect the log once (true), or the control plane was found stale, or
   * the timeout passed (false): waiting longer for a controller that serves a foreign or older
   * state is pointless, the maps stay as they are.
   */
  public boolean awaitFirstSyncOrStale(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!firstSync.await(50, TimeUnit.MILLISECONDS)) {
      if (alarm.state().condition() == ControlPlaneState.Condition.STALE || System.nanoTime() > deadline) {
        return false;
      }
    }
    return true;
  }

  /** How the agent stands with the control plane. */
  public ControlPlaneState controlPlane() {
    return alarm.state();
  }

  /** How the agent stands with the control plane, as an operator reads it. */
  public String controlPlaneSummary() {
    return alarm.state().describe(followed.position());
  }

  /** The log position the maps reflect. */
  public LogPosition logPosition() {
    return followed.position();
  }

  /** Blocks until the maps reflect {@code revision}; when their writes were done, or empty on timeout. */
  public Optional<Instant> awaitRevision(long revision, Duration timeout) throws InterruptedException {
    return revisions.await(revision, timeout);
  }

  /** The agent's local API address (metrics and monitor). */
  public InetSocketAddress apiAddress() {
    return http.address();
  }

  /** Datapath status of every local endpoint with maps. */
  public Map<String, EndpointStatus> endpointStatuses() {
    return loop.syncer().statuses();
  }

  /** Runs one CT collection now (tests, operators); returns the entries removed. */
  public int collectConntrack() {
    return ctCollector.collect();
  }

  private double appliedAgeSeconds() {
    long at = followed.position().appliedAtMillis();
    return at == 0 ? Double.NaN : Math.max(0, clock.millis() - at) / 1000.0;
  }

  /** The agent as its local API sees it. */
  private final class View implements AgentView {
    @Override
    public Map<String, Object> health() {
      ControlPlaneState cp = alarm.state();
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("status", cp.alarm() ? "degraded" : firstSync.getCount() == 0 ? "ok" : "starting");
      if (cp.alarm()) {
        h.put("reason", "control plane " + cp.describe(followed.position()));
      }
      h.put("node", config.node());
      h.put("revision", revisions.last());
      h.put("controlPlane", cp.condition().label());
      long errors = endpointStatuses().values().stream().filter(s -> !s.ok()).count();
      h.put("endpointErrors", errors);
      return h;
    }

    @Override
    public Map<String, Object> status() {
      LogPosition p = followed.position();
      Map<String, Object> log = new LinkedHashMap<>();
      log.put("cluster", p.clusterUuid());
      log.put("revision", p.revision());
      log.put("appliedAt", p.appliedAtMillis() == 0 ? null : Instant.ofEpochMilli(p.appliedAtMillis()).toString());
      double age = appliedAgeSeconds();
      log.put("ageSeconds", Double.isNaN(age) ? null : age);
      ControlPlaneState cp = alarm.state();
      Map<String, Object> control = new LinkedHashMap<>();
      control.put("state", cp.condition().label());
      control.put("reason", cp.reason());
      control.put("controller", cp.controller());
      control.put("cluster", cp.controllerCluster());
      control.put("offeredRevision", cp.controllerRevision());
      control.put("since", Instant.ofEpochMilli(cp.sinceMillis()).toString());
      control.put("message", cp.describe(p));
      control.put("refusedStreams", alarm.refusedStreams());
      control.put("failedStreams", alarm.failedStreams());
      Map<String, Object> s = new LinkedHashMap<>(health());
      s.put("log", log);
      s.put("controlPlane", control);
      return s;
    }

    @Override
    public Collection<EndpointStatus> endpoints() {
      return List.copyOf(new java.util.TreeMap<>(endpointStatuses()).values());
    }

    @Override
    public Optional<Instant> awaitRevision(long revision, Duration timeout) throws InterruptedException {
      return revisions.await(revision, timeout);
    }

    @Override
    public long datapathEventsLost() {
      return datapath.metrics().get(io.nodus.bpf.DropReason.EVENT_LOST, io.nodus.bpf.TrafficDirection.INGRESS).packets()
          + datapath.metrics().get(io.nodus.bpf.DropReason.EVENT_LOST, io.nodus.bpf.TrafficDirection.EGRESS).packets();
    }

    @Override
    public void beforeScrape() {
      datapathMetrics.refresh();
    }

    @Override
    public AutoCloseable requestTrace(String endpoint) {
      return traces.request(endpoint);
    }
  }

  /** Stops the agent. Pinned maps and attached programs stay: enforcement continues. */
  @Override
  public void close() {
    closing = true;
    if (loop != null) {
      loop.stop();
    }
    if (watch != null) {
      watch.close();
    }
    if (reconcilerThread != null) {
      reconcilerThread.interrupt();
      try {
        reconcilerThread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (http != null) {
      http.close();
    }
    if (ctCollector != null) {
      ctCollector.close();
    }
    if (eventReader != null) {
      eventReader.close();
    }
    if (datapath != null) {
      datapath.close();
    }
    LOG.info("agent stopped node={}", config.node());
  }
}
