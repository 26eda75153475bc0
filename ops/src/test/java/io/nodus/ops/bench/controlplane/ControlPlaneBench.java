package io.nodus.ops.bench.controlplane;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.client.WatchListener;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.RegisterNode;
import io.nodus.state.model.Labels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.function.ObjLongConsumer;

/**
 * `ops/bench control-plane`: policy-upsert throughput and latency of 3 Nodus controllers next to
 * 3 etcd members (Debian's etcd 3.4) on loopback, in the same run, on the same disk; then watch
 * fan-out and identity allocation of the Nodus cluster. Prints a table; exits non-zero only when
 * something could not run, never because a target was missed.
 */
public final class ControlPlaneBench {
  /** Longest warm-up before the rows; a system still speeding up after it is measured as it is. */
  private static final Duration MAX_WARMUP = Duration.ofSeconds(180);
  /** The warm-up runs in windows of this length and stops when the last three agree. */
  private static final Duration WARMUP_SLICE = Duration.ofSeconds(5);
  /** Load before each row's measured window, so that the window starts with every client busy. */
  private static final Duration ROW_WARMUP = Duration.ofSeconds(3);
  /** Unmeasured watch load before the watch measurement. */
  private static final Duration WATCH_WARMUP = Duration.ofSeconds(30);
  /** Cluster-local identity numbers (256..65535). */
  private static final long IDENTITIES = 65_536 - 256;
  private final Duration warmup;
  private final Duration measure;
  private final int[] clientLevels;
  private final int watchers;
  private final Path work;
  private final Processes processes;
  private boolean skipEtcd;
  /** Which measurements to run (for quick iterations): upsert, watch, identity. */
  private List<String> parts;

  private ControlPlaneBench(Duration warmup, Duration measure, int[] clientLevels, int watchers, Path work) throws Exception {
    this.warmup = warmup;
    this.measure = measure;
    this.clientLevels = clientLevels;
    this.watchers = watchers;
    this.work = work;
    this.processes = new Processes(work.resolve("logs"));
  }

  public static void main(String[] args) throws Exception {
    Duration measure = Duration.ofSeconds(Long.parseLong(arg(args, "--seconds", "20")));
    // Long enough for the JIT to compile the controllers' hot paths (etcd is compiled ahead of
    // time): a steady state is compared with a steady state.
    Duration warmup = Duration.ofSeconds(Long.parseLong(arg(args, "--warmup", "120")));
    String[] levels = arg(args, "--clients", "1,16,128").split(",");
    int[] clientLevels = new int[levels.length];
    for (int i = 0; i < levels.length; i++) {
      clientLevels[i] = Integer.parseInt(levels[i].strip());
    }
    int watchers = Integer.parseInt(arg(args, "--watchers", "100"));
    Path work = Files.createTempDirectory(Path.of(arg(args, "--dir", "/var/tmp")), "nodus-bench-cp-");
    ControlPlaneBench bench = new ControlPlaneBench(warmup, measure, clientLevels, watchers, work);
    // For quick iterations on Nodus alone; a report always includes the baseline.
    bench.skipEtcd = java.util.Arrays.asList(args).contains("--skip-etcd");
    bench.parts = List.of(arg(args, "--parts", "upsert,watch,identity").split(","));
    boolean ok = false;
    try {
      bench.run();
      ok = true;
    } finally {
      bench.processes.close();
      Processes.deleteTree(work.resolve("nodus"));
      Processes.deleteTree(work.resolve("etcd"));
      if (ok && System.getenv("NODUS_BENCH_KEEP") == null) {
        Processes.deleteTree(work);
      } else {
        System.err.println("process logs kept in " + work.resolve("logs"));
      }
    }
  }

  private static String arg(String[] args, String name, String fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }

  private void run() throws Exception {
    byte[] payload = Workloads.policyUpsert(0, 0, 1).getUpsertPolicy().getPolicy().toByteArray();
    System.out.printf("Nodus control-plane benchmark: 3 Nodus controllers and 3 etcd members on loopback, one after the other, same disk (%s)%n", work);
    System.out.printf("machine: %d cores, %s; JVM %s; %s%n", Runtime.getRuntime().availableProcessors(), Workloads.loadAverage(),
        Runtime.version(), Workloads.etcdVersion());
    System.out.printf("workload: policy upserts of %d bytes (the same bytes as an etcd value); each system is first loaded with the "
        + "busiest client count for at least %ds and until its throughput is steady (5 s windows within 5%%), then each row runs "
        + "%ds of load before %ds measured%n", payload.length, warmup.toSeconds(), ROW_WARMUP.toSeconds(), measure.toSeconds());
    System.out.printf("history: the controllers keep their last 100000 events; etcd compacts every 10 s to the revision of 10 s "
        + "before (--auto-compaction-mode periodic, retention 10s)%n%n");

    List<Workloads.Result> nodus = new ArrayList<>();
    List<Workloads.Result> etcd = new ArrayList<>();
    String watchLine;
    String identityLine;
    int busiest = java.util.Arrays.stream(clientLevels).max().orElseThrow();
    try (NodusCluster cluster = NodusCluster.start(processes, work.resolve("nodus"))) {
      IntFunction<Workloads.Op> upsert = (thread) -> (k) -> {
        CommandResult r = cluster.client().submit(Workloads.policyUpsert(thread, k, 1));
        if (r.hasRejection()) {
          throw new IllegalStateException("rejected: " + r.getRejection());
        }
      };
      System.out.printf("  nodus warm-up, %d clients: %s%n", busiest,
          Workloads.describeWarmup(Workloads.warmUntilSteady(busiest, WARMUP_SLICE, warmup, MAX_WARMUP, upsert), WARMUP_SLICE));
      if (parts.contains("upsert")) {
        for (int clients : clientLevels) {
          nodus.add(Workloads.closedLoop(clients, ROW_WARMUP, measure, upsert, processes::cpuNanos));
          System.out.printf("  nodus %4d clients: %s%n", clients, nodus.get(nodus.size() - 1));
        }
      }
      watchLine = parts.contains("watch") ? watchFanOut(cluster) : "watch fan-out: skipped";
      System.out.println("  " + watchLine);
      // A rate is a capacity: measured at the same client count as the busiest upsert row.
      identityLine = parts.contains("identity") ? identityAllocation(cluster, busiest) : "identity allocation: skipped";
      System.out.println("  " + identityLine);
    }
    if (skipEtcd || !parts.contains("upsert")) {
      nodus.forEach(n -> System.out.printf("%-15s %7d | %10.0f %8.2f %8.2f | etcd skipped%n", "policy upsert", n.clients(),
          n.opsPerSecond(), n.latency().p50Millis(), n.latency().p99Millis()));
      return;
    }
    try (EtcdCluster cluster = EtcdCluster.start(processes, work.resolve("etcd"));
         Client client = Client.builder().endpoints(cluster.endpoints()).build()) {
      IntFunction<Workloads.Op> put = (thread) -> (k) -> {
        byte[] value = Workloads.policyUpsert(thread, k, 1).getUpsertPolicy().getPolicy().toByteArray();
        client.getKVClient().put(ByteSequence.from(("/nodus/policies/default/bench-" + thread + "-" + (k % 100)).getBytes()),
            ByteSequence.from(value)).get(30, TimeUnit.SECONDS);
      };
      System.out.printf("  etcd  warm-up, %d clients: %s%n", busiest,
          Workloads.describeWarmup(Workloads.warmUntilSteady(busiest, WARMUP_SLICE, warmup, MAX_WARMUP, put), WARMUP_SLICE));
      for (int clients : clientLevels) {
        etcd.add(Workloads.closedLoop(clients, ROW_WARMUP, measure, put, processes::cpuNanos));
        System.out.printf("  etcd  %4d clients: %s%n", clients, etcd.get(etcd.size() - 1));
      }
    }

    System.out.println();
    System.out.printf("%-15s %7s | %10s %8s %8s %8s | %10s %8s %8s %8s | %10s%n", "workload", "clients",
        "nodus op/s", "p50 ms", "p99 ms", "cpu us", "etcd op/s", "p50 ms", "p99 ms", "cpu us", "nodus/etcd");
    for (int i = 0; i < clientLevels.length; i++) {
      Workloads.Result n = nodus.get(i);
      Workloads.Result e = etcd.get(i);
      System.out.printf(Locale.ROOT, "%-15s %7d | %10.0f %8.2f %8.2f %8.0f | %10.0f %8.2f %8.2f %8.0f | %9.2fx%n", "policy upsert",
          clientLevels[i], n.opsPerSecond(), n.latency().p50Millis(), n.latency().p99Millis(), n.serverCpuMicrosPerOp(),
          e.opsPerSecond(), e.latency().p50Millis(), e.latency().p99Millis(), e.serverCpuMicrosPerOp(), n.opsPerSecond() / e.opsPerSecond());
    }
    System.out.println("(cpu us: CPU time of the three server processes together per operation; the client's is in the rows above)");
    System.out.println(watchLine);
    System.out.println(identityLine);
    System.out.println("targets: nodus/etcd >= 1.00x at 128 clients; watch delivery p99 < 10 ms with 100 watchers; >= 5000 identities/s");
  }

  /**
   * Watchers spread over the controllers; a writer commits at a steady rate; delivery minus
   * acknowledgement. The same load runs first for {@link #WATCH_WARMUP} unmeasured: the fan-out
   * path is new to the JVMs after the upsert rows, and its compilation is not what is measured.
   */
  private String watchFanOut(NodusCluster cluster) throws Exception {
    long startRevision = cluster.client().status().getRevision() + 1;
    Map<Long, Long> acked = new ConcurrentHashMap<>();
    List<LatencyRecorder> afterAck = new ArrayList<>();
    List<LatencyRecorder> afterSubmit = new ArrayList<>();
    Map<Long, Long> submitted = new ConcurrentHashMap<>();
    List<WatchSubscription> subs = new ArrayList<>();
    List<GrpcControlPlaneClient> clients = new ArrayList<>();
    for (String address : cluster.grpcAddresses()) {
      clients.add(GrpcControlPlaneClient.connect(List.of(address)));
    }
    int writes = (int) (measure.toSeconds() * 200);
    // First revision measured; events before it are the warm-up's.
    AtomicLong measuredFrom = new AtomicLong(Long.MAX_VALUE);
    CountDownLatch done = new CountDownLatch(watchers);
    for (int w = 0; w < watchers; w++) {
      LatencyRecorder a = new LatencyRecorder();
      LatencyRecorder s = new LatencyRecorder();
      afterAck.add(a);
      afterSubmit.add(s);
      AtomicLong seen = new AtomicLong();
      subs.add(clients.get(w % clients.size()).watch(startRevision, new WatchListener() {
        @Override
        public void onSnapshot(ClusterState state) {
        }

        @Override
        public void onEvent(Event event) {
          if (event.getRevision() < measuredFrom.get()) {
            return;
          }
          long now = System.nanoTime();
          Long ack = acked.get(event.getRevision());
          Long sub = submitted.get(event.getRevision());
          // Delivery can beat the writer's own acknowledgement: that counts as 0.
          a.record(ack == null ? 0 : Math.max(0, now - ack));
          if (sub != null) {
            s.record(now - sub);
          }
          if (seen.incrementAndGet() == writes) {
            done.countDown();
          }
        }
      }));
    }
    Thread.sleep(2000);
    long warm = WATCH_WARMUP.toSeconds() * 200;
    long lastWarm = writeAtSteadyRate(cluster, (int) warm, 0, (revision, t0) -> { });
    measuredFrom.set(lastWarm + 1);
    writeAtSteadyRate(cluster, writes, (int) warm, (revision, t0) -> {
      acked.put(revision, System.nanoTime());
      submitted.put(revision, t0);
    });
    boolean all = done.await(60, TimeUnit.SECONDS);
    subs.forEach(WatchSubscription::close);
    // Per controller: watchers of the leader see an event when the writer does; a follower's
    // applies it after the leader tells it of the commit.
    StringBuilder perController = new StringBuilder();
    for (int i = 0; i < clients.size(); i++) {
      List<LatencyRecorder> mine = new ArrayList<>();
      for (int w = i; w < afterAck.size(); w += clients.size()) {
        mine.add(afterAck.get(w));
      }
      ClusterStatus status = clients.get(i).status();
      LatencyRecorder.Summary s = LatencyRecorder.summarize(mine);
      perController.append(String.format(Locale.ROOT, "%s %s (%s) p50 %.2f ms, p99 %.2f ms", i == 0 ? "" : ";", status.getMemberId(),
          status.getMemberId().equals(status.getLeaderId()) ? "leader" : "follower", s.p50Millis(), s.p99Millis()));
    }
    clients.forEach(GrpcControlPlaneClient::close);
    LatencyRecorder.Summary ack = LatencyRecorder.summarize(afterAck);
    LatencyRecorder.Summary sub = LatencyRecorder.summarize(afterSubmit);
    return String.format(Locale.ROOT, "watch fan-out: %d watchers over %d controllers, %d writes at 200/s after %d s of the same load, %s: "
            + "delivery after commit (writer's ack) p50 %.2f ms, p99 %.2f ms, max %.2f ms; after submit p50 %.2f ms, p99 %.2f ms%n"
            + "  by controller:%s",
        watchers, cluster.grpcAddresses().size(), writes, WATCH_WARMUP.toSeconds(), all ? "every watcher saw every event" : "SOME EVENTS MISSING",
        ack.p50Millis(), ack.p99Millis(), ack.maxMillis(), sub.p50Millis(), sub.p99Millis(), perController);
  }

  /** Writes {@code count} policy upserts at 200 per second; returns the last revision. */
  private static long writeAtSteadyRate(NodusCluster cluster, int count, int firstKey, ObjLongConsumer<Long> onAck) {
    long interval = TimeUnit.SECONDS.toNanos(1) / 200;
    long next = System.nanoTime();
    long revision = 0;
    for (int k = 0; k < count; k++) {
      // Sleep, not spin: a spinning writer would take one of the machine's cores from the servers.
      for (long wait = next - System.nanoTime(); wait > 0; wait = next - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      next += interval;
      long t0 = System.nanoTime();
      CommandResult r = cluster.client().submit(Workloads.policyUpsert(9999, firstKey + k, 2));
      revision = r.getAccepted().getRevision();
      onAck.accept(revision, t0);
    }
    return revision;
  }

  /** New label sets through endpoint creation: each command allocates one identity. */
  private String identityAllocation(NodusCluster cluster, int clients) throws Exception {
    cluster.client().submit(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("bench-node")).build());
    // Every client thread of every run gets its own prefix: names and label sets are never reused.
    AtomicLong prefixes = new AtomicLong();
    AtomicLong allocated = new AtomicLong();
    IntFunction<Workloads.Op> op = thread -> {
      long prefix = prefixes.incrementAndGet();
      return k -> {
        CommandResult r = cluster.client().submit(Command.newBuilder().setCreateEndpoint(CreateEndpoint.newBuilder()
            .setName("id-" + prefix + "-" + k).setNode("bench-node")
            .setLabels(LabelSet.newBuilder().addLabels(Labels.label("k8s", "app", "a" + prefix + "-" + k)))).build());
        if (r.hasRejection()) {
          throw new IllegalStateException("rejected: " + r.getRejection());
        }
        allocated.incrementAndGet();
      };
    };
    // A cluster has 65,280 cluster-local identities, and released ones stay in quarantine: the
    // warm-up is short (two 2 s windows, about half the numbers at 7k/s), and the measured window
    // ends before the numbers would run out even if the rate doubles after the warm-up (it still
    // climbs while the JVMs compile: 3.7k and 5.6k in the windows, then 7.5k measured, once).
    Duration slice = Duration.ofSeconds(2);
    List<Double> rates = Workloads.warmUntilSteady(clients, slice, Duration.ofSeconds(4), Duration.ofSeconds(4), op);
    double rate = rates.get(rates.size() - 1);
    long left = IDENTITIES - allocated.get() - 2_000;
    Duration window = Duration.ofMillis(Math.min(measure.toMillis(), (long) (left / (rate * 2) * 1000)));
    Workloads.Result result = Workloads.closedLoop(clients, Duration.ZERO, window, op, processes::cpuNanos);
    String warm = Workloads.describeWarmup(rates, slice) + String.format(Locale.ROOT, ", %.1f s measured", window.toMillis() / 1000.0);
    ClusterStatus status = cluster.client().status();
    return String.format(Locale.ROOT, "identity allocation: %d clients creating endpoints with new label sets: %.0f identities/s "
        + "(p50 %.2f ms, p99 %.2f ms; warm-up %s); cluster at revision %d", clients, result.opsPerSecond(),
        result.latency().p50Millis(), result.latency().p99Millis(), warm, status.getRevision());
  }
}
