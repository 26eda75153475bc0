package io.nodus.ops.bench.controlplane;

import io.nodus.state.model.Labels;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import io.nodus.state.proto.UpsertPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/** Load generation shared by the control-plane benchmarks. */
final class Workloads {
  private Workloads() {}

  /** One operation of a client thread; {@code k} counts that thread's operations. */
  interface Op {
    void run(long k) throws Exception;
  }

  /**
   * What a closed-loop run measured.
   *
   * @param clients concurrent clients
   * @param operations operations completed inside the measured window
   * @param opsPerSecond throughput inside the window
   * @param latency latency of those operations
   */
  record Result(int clients, long operations, double opsPerSecond, LatencyRecorder.Summary latency, double serverCpuMicrosPerOp,
      double clientCpuMicrosPerOp) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%.0f op/s, p50 %.2f ms, p99 %.2f ms (%d ops); CPU per op: servers %.0f us, client %.0f us",
          opsPerSecond, latency.p50Millis(), latency.p99Millis(), operations, serverCpuMicrosPerOp, clientCpuMicrosPerOp);
    }
  }

  /**
   * {@code clients} threads each run their operation back to back for warm-up plus the measured
   * window; only operations that start and end inside the window count.
   */
  static Result closedLoop(int clients, Duration warmup, Duration measure, IntFunction<Op> perThread) throws Exception {
    return closedLoop(clients, warmup, measure, perThread, () -> 0);
  }

  /**
   * As above; {@code serverCpu} gives the CPU time the servers have used so far (nanoseconds),
   * read at both ends of the measured window, as is this process' own.
   */
  static Result closedLoop(int clients, Duration warmup, Duration measure, IntFunction<Op> perThread, LongSupplier serverCpu)
      throws Exception {
    List<LatencyRecorder> recorders = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long[] window = new long[2];
    for (int t = 0; t < clients; t++) {
      LatencyRecorder r = new LatencyRecorder();
      recorders.add(r);
      Op op = perThread.apply(t);
      threads.add(Thread.ofPlatform().name("bench-client-" + t).start(() -> {
        try {
          start.await();
          for (long k = 0; ; k++) {
            long t0 = System.nanoTime();
            if (t0 >= window[1]) {
              return;
            }
            op.run(k);
            long t1 = System.nanoTime();
            if (t0 >= window[0] && t1 <= window[1]) {
              r.record(t1 - t0);
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    long now = System.nanoTime();
    window[0] = now + warmup.toNanos();
    window[1] = window[0] + measure.toNanos();
    start.countDown();
    sleepUntil(window[0]);
    long server0 = serverCpu.getAsLong();
    long client0 = Processes.cpuNanos(ProcessHandle.current().pid());
    sleepUntil(window[1]);
    long server1 = serverCpu.getAsLong();
    long client1 = Processes.cpuNanos(ProcessHandle.current().pid());
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("a client failed", failure.get());
    }
    LatencyRecorder.Summary s = LatencyRecorder.summarize(recorders);
    double ops = Math.max(1, s.count());
    return new Result(clients, s.count(), s.count() / (measure.toNanos() / 1e9), s, (server1 - server0) / 1e3 / ops,
        (client1 - client0) / 1e3 / ops);
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, left / 1_000_000));
    }
  }

  /**
   * Runs the load in windows of {@code slice} until the system is in its steady state: at least {@code
   * minimum} in all, then until the last three windows are within 5% of their mean (a JVM keeps
   * compiling its hot paths for a minute or more under load; etcd, in Go, is steady at once), or
   * {@code maximum} is spent. Returns the throughput of every window.
   */
  static List<Double> warmUntilSteady(int clients, Duration slice, Duration minimum, Duration maximum, IntFunction<Op> perThread)
      throws Exception {
    List<Double> rates = new ArrayList<>();
    long start = System.nanoTime();
    while (true) {
      rates.add(closedLoop(clients, Duration.ZERO, slice, perThread).opsPerSecond());
      Duration spent = Duration.ofNanos(System.nanoTime() - start);
      if ((spent.compareTo(minimum) >= 0 && steady(rates)) || spent.compareTo(maximum) >= 0) {
        return rates;
      }
    }
  }

  private static boolean steady(List<Double> rates) {
    if (rates.size() < 3) {
      return false;
    }
    List<Double> last = rates.subList(rates.size() - 3, rates.size());
    double mean = last.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    return last.stream().allMatch(r -> Math.abs(r - mean) <= 0.05 * mean);
  }

  /** Warm-up throughputs, each over {@code slice}, as "2210 3120 3980 4100 op/s (20 s)". */
  static String describeWarmup(List<Double> rates, Duration slice) {
    StringBuilder b = new StringBuilder();
    rates.forEach(r -> b.append(String.format(Locale.ROOT, "%.0f ", r)));
    return b.append(String.format(Locale.ROOT, "op/s (%d s)", rates.size() * slice.toSeconds())).toString();
  }

  /** A typical L3/L4 policy, different per (thread, k) so that every upsert changes the state. */
  static Command policyUpsert(int thread, long k, int round) {
    return policyUpsert(null, "bench-" + thread + "-" + (k % 100), null, round, (int) (k % 60000) + 1);
  }

  /**
   * An upsert of a policy that lets app=frontend reach app=backend-{@code backend} on TCP {@code
   * port}, with its Cilium document.
   *
   * @param namespace its namespace, named in the document; null: "default", not named there
   * @param app its own label app (metadata.labels), or null for none
   */
  static Command policyUpsert(String namespace, String name, String app, int backend, int port) {
    String doc = """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata:
          name: %s
        %s%sspec:
          endpointSelector:
            matchLabels:
              app: backend-%d
          ingress:
          - fromEndpoints:
            - matchLabels:
                app: frontend
            toPorts:
            - ports:
              - port: "%d"
                protocol: TCP
        """.formatted(name, namespace == null ? "" : "  namespace: " + namespace + "\n",
        app == null ? "" : "  labels:\n    app: " + app + "\n", backend, port);
    Policy.Builder p = Policy.newBuilder().setName(name).setNamespace(namespace == null ? "default" : namespace)
        .setKind("CiliumNetworkPolicy")
        .addRules(PolicyRule.newBuilder()
            .setEndpointSelector(EndpointSelector.newBuilder().addMatchLabels(Labels.label("any", "app", "backend-" + backend)))
            .addIngress(PeerRule.newBuilder()
                .addEndpoints(EndpointSelector.newBuilder().addMatchLabels(Labels.label("any", "app", "frontend")))
                .addToPorts(PortRule.newBuilder().addPorts(PortProtocol.newBuilder().setPort(port).setProtocol(Protocol.TCP)))))
        .setOriginalDocument(doc)
        .setOriginalFormat("application/yaml");
    if (app != null) {
      p.setLabels(LabelSet.newBuilder().addLabels(Labels.label("k8s", "app", app)));
    }
    return Command.newBuilder().setRequestId(UUID.randomUUID().toString())
        .setUpsertPolicy(UpsertPolicy.newBuilder().setPolicy(p)).build();
  }

  static String loadAverage() {
    try {
      return "load average " + Files.readString(Path.of("/proc/loadavg")).strip().split(" ", 4)[0];
    } catch (IOException e) {
      return "load average unknown";
    }
  }

  static String etcdVersion() {
    try {
      Process p = new ProcessBuilder("etcd", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("etcd ?");
      p.waitFor();
      return out;
    } catch (IOException | InterruptedException e) {
      return "etcd not found";
    }
  }
}
