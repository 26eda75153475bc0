package io.nodus.agent;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nodus.agent.datapath.DesiredDatapath;
import io.nodus.agent.datapath.MapSyncer;
import io.nodus.agent.monitor.AgentHttpServer;
import io.nodus.agent.monitor.IdentityDirectory;
import io.nodus.agent.monitor.MonitorHub;
import io.nodus.agent.plumbing.HostNetwork;
import io.nodus.bpf.Datapath;
import io.nodus.bpf.events.EventReader;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.WatchListener;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.evolve.Evolver;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.RegisterNode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent. It registers its node, watches the log from the beginning (a snapshot, then
 * events), folds every event into a local image with the same {@link Evolver} the controllers
 * use, and after each batch has the {@link EndpointReconciler} bring plumbing and maps in line.
 *
 * <p>Threading: one reconciler thread owns the image, the plumbing and the maps. The watch
 * callback only enqueues; the ring-buffer reader publishes to the monitor hub and reads the
 * {@link IdentityDirectory} the reconciler publishes. Nothing the agent does on start or stop
 * removes pinned maps or attached programs: enforcement continues while it is down.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);
  private static final Object WAKEUP = new Object();

  private final AgentConfig config;
  private final ControlPlaneClient client;
  private final PrometheusMeterRegistry registry;
  private final Clock clock;
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final CountDownLatch firstSync = new CountDownLatch(1);

  private volatile IdentityDirectory directory = IdentityDirectory.EMPTY;
  private volatile long appliedRevision;
  private volatile boolean running;
  private Datapath datapath;
  private EventReader eventReader;
  private AgentHttpServer http;
  private WatchSubscription watch;
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
    datapath = Datapath.open(config.pinRoot());
    MonitorHub hub = new MonitorHub(() -> directory, clock, registry);
    eventReader = datapath.readEvents(hub::publish);
    Gauge.builder("nodus.agent.revision", () -> appliedRevision).description("Last log revision the agent applied").register(registry);
    http = new AgentHttpServer(config.api(), registry, hub, this::health);
    registerNode();
    running = true;
    reconcilerThread = Thread.ofPlatform().name("agent-reconciler").start(this::reconcileLoop);
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
    LOG.info("agent started node={} pins={}", config.node(), config.pinRoot());
  }

  /** Blocks until the maps reflect the log once, or the timeout passes. */
  public boolean awaitFirstSync(Duration timeout) throws InterruptedException {
    return firstSync.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The agent's local API address (metrics and monitor). */
  public java.net.InetSocketAddress apiAddress() {
    return http.address();
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

  private void reconcileLoop() {
    EndpointReconciler reconciler = new EndpointReconciler(config.node(), client, datapath, new MapSyncer(datapath, registry));
    try {
      loop(reconciler);
    } finally {
      reconciler.close();
    }
  }

  private void loop(EndpointReconciler reconciler) {
    ClusterImage image = ClusterImage.EMPTY;
    boolean synced = false;
    boolean dirty = false;
    long lastPass = 0;
    while (running) {
      try {
        List<Object> batch = new ArrayList<>();
        Object first = inbox.poll(Math.max(1, config.resyncInterval().toMillis()), TimeUnit.MILLISECONDS);
        if (first != null) {
          batch.add(first);
          inbox.drainTo(batch);
        }
        for (Object o : batch) {
          if (o instanceof ClusterState s) {
            image = ImageCodec.fromState(s);
            synced = true;
            dirty = true;
          } else if (o instanceof Event e && e.getRevision() == image.revision() + 1) {
            image = Evolver.evolve(image, e);
            dirty = true;
          } else if (o instanceof Event e && e.getRevision() > image.revision() + 1) {
            // Events after a gap can only come from a broken watch; the client resumes without gaps.
            throw new IllegalStateException("watch gap: event " + e.getRevision() + " after revision " + image.revision());
          }
        }
        if (!synced) {
          continue;
        }
        boolean resyncDue = System.nanoTime() - lastPass > config.resyncInterval().toNanos();
        if (dirty || resyncDue || batch.contains(WAKEUP)) {
          directory = IdentityDirectory.of(image);
          boolean complete = reconciler.reconcile(image);
          appliedRevision = image.revision();
          lastPass = System.nanoTime();
          dirty = !complete;
          if (complete) {
            firstSync.countDown();
          } else {
            // Something failed (logged); try again soon rather than at the next resync.
            inbox.offer(WAKEUP);
            Thread.sleep(500);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.error("reconciler pass failed revision={} error={}", image.revision(), e.toString(), e);
        dirty = true;
      }
    }
  }

  private Map<String, Object> health() {
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("status", firstSync.getCount() == 0 ? "ok" : "starting");
    h.put("node", config.node());
    h.put("revision", appliedRevision);
    return h;
  }

  /** Stops the agent. Pinned maps and attached programs stay: enforcement continues. */
  @Override
  public void close() {
    running = false;
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
    if (eventReader != null) {
      eventReader.close();
    }
    if (datapath != null) {
      datapath.close();
    }
    LOG.info("agent stopped node={}", config.node());
  }
}
