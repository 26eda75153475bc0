package io.nodus.agent;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.agent.datapath.EndpointStatus;
import io.nodus.agent.metrics.CtCollector;
import io.nodus.agent.metrics.DatapathMetrics;
import io.nodus.agent.monitor.AgentHttpServer;
import io.nodus.agent.monitor.AgentView;
import io.nodus.agent.monitor.IdentityDirectory;
import io.nodus.agent.monitor.MonitorHub;
import io.nodus.agent.monitor.TraceRequests;
import io.nodus.agent.plumbing.HostNetwork;
import io.nodus.bpf.Datapath;
import io.nodus.bpf.events.EventReader;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.WatchListener;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.RegisterNode;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent. It loads the datapath over the node's pins, registers its node, watches the
 * log from the beginning (a snapshot, then events) and lets the {@link ReconcileLoop} fold every
 * event into a local image and bring plumbing and maps in line, writing only what a change can
 * affect. Beside it: the ring-buffer reader feeding the monitor, the CT garbage collector, and the
 * local HTTP API (metrics, monitor, endpoint status, revision sync).
 *
 * <p>Threading: one reconciler thread owns the image, the plumbing and the maps. The watch
 * callback only enqueues; the ring-buffer reader publishes to the monitor hub and reads the
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
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final CountDownLatch firstSync = new CountDownLatch(1);
  private final RevisionLog revisions = new RevisionLog();
  private final TraceRequests traces = new TraceRequests(() -> inbox.offer(ReconcileLoop.WAKEUP));

  private volatile IdentityDirectory directory = IdentityDirectory.EMPTY;
  private Datapath datapath;
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
    MonitorHub hub = new MonitorHub(() -> directory, clock);
    eventReader = datapath.readEvents(hub::publish);
    datapathMetrics = new DatapathMetrics(datapath.metrics(), registry);
    ctCollector = new CtCollector(datapath.conntrack(), registry, config.ctGcInterval());
    Gauge.builder("nodus.agent.revision", revisions, RevisionLog::last).description("Last log revision the agent applied")
        .register(registry);
    loop = new ReconcileLoop(config, client, datapath, registry, clock, inbox, traces, revisions,
        image -> directory = IdentityDirectory.of(image), firstSync::countDown, hub::notice);
    http = new AgentHttpServer(config.api(), registry, hub, new View());
    registerNode();
    reconcilerThread = Thread.ofPlatform().name("agent-reconciler").start(loop);
    watch = client.watch(0, new WatchListener() {
      @Override
      public void onSnapshot(ClusterState state) {
        inbox.add(state);
      }

      @Override
      public void onEvent(Event event) {
        inbox.add(event);
      }
    });
    LOG.info("agent started node={} pins={} ct_entries={} policy_entries={}", config.node(), config.pinRoot(),
        config.sizes().ctEntries(), config.sizes().policyEntries());
  }

  /** Blocks until the maps reflect the log once, or the timeout passes. */
  public boolean awaitFirstSync(Duration timeout) throws InterruptedException {
    return firstSync.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
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

  /** Registers the node, retrying while the control plane is not reachable yet. */
  private void registerNode() throws InterruptedException {
    String underlay = config.underlayIp().isEmpty() ? HostNetwork.primaryIpv4() : config.underlayIp();
    Command cmd = Command.newBuilder().setRequestId("register-" + config.node() + "-" + UUID.randomUUID())
        .setRegisterNode(RegisterNode.newBuilder().setName(config.node()).setUnderlayIp(underlay)).build();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (true) {
      try {
        CommandResult r = client.submit(cmd);
        if (r.hasRejection()) {
          throw new IllegalStateException("node registration refused: " + r.getRejection().getMessage());
        }
        LOG.info("node registered node={} underlay={}", config.node(), underlay);
        return;
      } catch (RuntimeException e) {
        if (e instanceof IllegalStateException || System.nanoTime() > deadline) {
          throw e;
        }
        LOG.warn("control plane not reachable yet, retrying node={} error={}", config.node(), e.getMessage());
        Thread.sleep(1000);
      }
    }
  }

  /** The agent as its local API sees it. */
  private final class View implements AgentView {
    @Override
    public Map<String, Object> health() {
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("status", firstSync.getCount() == 0 ? "ok" : "starting");
      h.put("node", config.node());
      h.put("revision", revisions.last());
      long errors = endpointStatuses().values().stream().filter(s -> !s.ok()).count();
      h.put("endpointErrors", errors);
      return h;
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
