package io.nodus.ops.bench.controlplane;

import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.client.ReadConsistency;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.GetRequest;
import io.nodus.raft.proto.GetResponse;
import io.nodus.raft.proto.ListRequest;
import io.nodus.raft.proto.ListResponse;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.ResourceKind;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * `ops/bench/reads`: keyed and paged reads of 3 controllers holding 100,000 policies, next to the
 * whole-state Read every REST GET made before Get and List existed, in the same run. Rows: one
 * policy by key and a page of 100 (at a random place in the listing), over gRPC and over REST, from
 * the leader and from a follower, linearizable (ReadIndex) unless marked stale; then the
 * baseline. Prints a table; exits non-zero only when something could not run, never because a
 * target was missed.
 */
public final class ReadsBench {
  private final int policies;
  private final int clients;
  private final Duration warmup;
  private final Duration measure;
  private final Path work;
  private final Processes processes;

  private ReadsBench(int policies, int clients, Duration warmup, Duration measure, Path work) throws Exception {
    this.policies = policies;
    this.clients = clients;
    this.warmup = warmup;
    this.measure = measure;
    this.work = work;
    this.processes = new Processes(work.resolve("logs"));
  }

  public static void main(String[] args) throws Exception {
    ReadsBench bench = new ReadsBench(Integer.parseInt(arg(args, "--policies", "100000")), Integer.parseInt(arg(args, "--clients", "1")),
        Duration.ofSeconds(Long.parseLong(arg(args, "--warmup", "10"))), Duration.ofSeconds(Long.parseLong(arg(args, "--seconds", "20"))),
        Files.createTempDirectory(Path.of(arg(args, "--dir", "/var/tmp")), "nodus-bench-reads-"));
    boolean ok = false;
    try {
      bench.run();
      ok = true;
    } finally {
      bench.processes.close();
      Processes.deleteTree(bench.work.resolve("nodus"));
      if (ok && System.getenv("NODUS_BENCH_KEEP") == null) {
        Processes.deleteTree(bench.work);
      } else {
        System.err.println("process logs kept in " + bench.work.resolve("logs"));
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

  /** A row to measure: what it reads, where, how big an answer is, and the operation. */
  private record Planned(String what, String how, int bytes, IntFunction<Workloads.Op> op) {}

  /** One measured row. */
  private record Row(String what, String how, Workloads.Result result, int bytes) {}

  private void run() throws Exception {
    System.out.printf("Nodus reads benchmark: 3 controllers on loopback (%s), %d policies, %d client thread(s) per row%n", work, policies,
        clients);
    System.out.printf("machine: %d cores, %s; JVM %s%n", Runtime.getRuntime().availableProcessors(), Workloads.loadAverage(),
        Runtime.version());
    System.out.printf("each row: %d s of the same load, then %d s measured; keys and pages drawn at random (seeded)%n%n",
        warmup.toSeconds(), measure.toSeconds());
    List<Row> rows = new ArrayList<>();
    try (NodusCluster cluster = NodusCluster.start(processes, work.resolve("nodus"), true)) {
      long loadStart = System.nanoTime();
      load(cluster);
      double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
      ClusterStatus status = cluster.client().status();
      int leader = indexOf(cluster, status.getLeaderId());
      int follower = (leader + 1) % 3;
      System.out.printf("  loaded %d policies in %.0f s (%.0f/s); revision %d; leader %s%n", policies, loadSeconds, policies / loadSeconds,
          status.getRevision(), status.getLeaderId());

      try (GrpcControlPlaneClient toLeader = client(cluster.grpcAddresses().get(leader), 0);
           GrpcControlPlaneClient whole = client(cluster.grpcAddresses().get(leader), 1 << 30)) {
        List<String> tokens = tokens(toLeader);
        System.out.printf("  %d pages of 100 in the listing%n", tokens.size() + 1);
        String restLeader = "http://" + cluster.restAddresses().get(leader);
        String restFollower = "http://" + cluster.restAddresses().get(follower);

        List<Planned> plan = new ArrayList<>();
        plan.add(new Planned("gRPC Get one policy", "leader", toLeader.get(get(0, false)).getSerializedSize(),
            t -> k -> check(toLeader.get(get(randomKey(t, k), false)))));
        plan.add(new Planned("gRPC Get one policy", "leader, stale", toLeader.get(get(0, true)).getSerializedSize(),
            t -> k -> check(toLeader.get(get(randomKey(t, k), true)))));
        plan.add(new Planned("gRPC List page of 100", "leader", toLeader.list(page(tokens, 0, false)).getSerializedSize(),
            t -> k -> check(toLeader.list(page(tokens, randomIndex(t, k, tokens.size()), false)))));
        plan.add(new Planned("gRPC List page of 100", "leader, stale", toLeader.list(page(tokens, 0, true)).getSerializedSize(),
            t -> k -> check(toLeader.list(page(tokens, randomIndex(t, k, tokens.size()), true)))));
        plan.add(new Planned("gRPC List 100, app=web", "leader", toLeader.list(page(tokens, 0, false).toBuilder().setLabelSelector("app=web")
            .build()).getSerializedSize(),
            t -> k -> checkFiltered(toLeader.list(page(tokens, randomIndex(t, k, tokens.size()), false).toBuilder()
                .setLabelSelector("app=web").build()))));
        for (String[] where : new String[][] {{restLeader, "leader"}, {restFollower, "follower"}}) {
          HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
          plan.add(new Planned("REST GET one policy", where[1], httpGet(http, where[0] + policyPath(0)),
              t -> k -> httpGet(http, where[0] + policyPath(randomKey(t, k)))));
          plan.add(new Planned("REST GET page of 100", where[1], httpGet(http, where[0] + pagePath(tokens, 0)),
              t -> k -> httpGet(http, where[0] + pagePath(tokens, randomIndex(t, k, tokens.size())))));
          if (where[1].equals("follower")) {
            // Without the ReadIndex round trip to the leader: what REST itself costs on a follower.
            plan.add(new Planned("REST GET one policy", "follower, stale", httpGet(http, where[0] + policyPath(0) + "?stale=true"),
                t -> k -> httpGet(http, where[0] + policyPath(randomKey(t, k)) + "?stale=true")));
          }
        }
        // The JVMs compile every path first (gRPC, Jersey, Jackson), so that no row pays for another's compilation.
        for (Planned p : plan) {
          Workloads.closedLoop(clients, Duration.ZERO, warmup, p.op());
        }
        System.out.printf("  every read ran %d s unmeasured first%n", warmup.toSeconds());
        for (Planned p : plan) {
          rows.add(row(p.what(), p.how(), p.bytes(), p.op()));
        }
        // Last: it parses (and so caches) every policy on the leader, which the rows above must not find done.
        rows.add(row("gRPC Read whole state", "leader (baseline)", whole.read(ReadConsistency.LINEARIZABLE).getSerializedSize(),
            t -> k -> {
              ClusterState s = whole.read(ReadConsistency.LINEARIZABLE);
              if (s.getPoliciesCount() < policies) {
                throw new IllegalStateException("whole state holds " + s.getPoliciesCount() + " policies");
              }
            }));
      }
    }
    System.out.println();
    System.out.printf("%-24s %-18s %8s %9s %9s %9s %12s%n", "read", "served by", "ops/s", "p50 ms", "p99 ms", "max ms", "answer bytes");
    for (Row r : rows) {
      System.out.printf(Locale.ROOT, "%-24s %-18s %8.0f %9.3f %9.3f %9.3f %12d%n", r.what(), r.how(), r.result().opsPerSecond(),
          r.result().latency().p50Millis(), r.result().latency().p99Millis(), r.result().latency().maxMillis(), r.bytes());
    }
    System.out.printf("(%d client thread(s) per row, closed loop; linearizable reads unless stale; REST through each controller's "
        + "embedded API; the baseline's samples are few: each read is the whole state)%n", clients);
    System.out.println("target: GET of one policy and a page of 100 under 5 ms p99 with " + policies + " policies stored");
  }

  private Row row(String what, String how, int bytes, IntFunction<Workloads.Op> op) throws Exception {
    Workloads.Result r = Workloads.closedLoop(clients, warmup, measure, op, processes::cpuNanos);
    System.out.printf("  %-24s %-18s %s%n", what, how, r);
    return new Row(what, how, r, bytes);
  }

  private static GrpcControlPlaneClient client(String address, int maxInbound) {
    GrpcControlPlaneClient.Builder b = GrpcControlPlaneClient.builder().addresses(List.of(address)).callTimeout(Duration.ofSeconds(60));
    return (maxInbound > 0 ? b.maxInboundMessageBytes(maxInbound) : b).build();
  }

  private static int indexOf(NodusCluster cluster, String memberId) {
    // Controllers are c1, c2, c3 in the order of their addresses.
    return Integer.parseInt(memberId.substring(1)) - 1;
  }

  // --- The stored policies: pol-000000 ... in 20 namespaces, every other one labelled app=web. ---

  private static String namespace(int i) {
    return "ns-" + (i % 20);
  }

  private static String name(int i) {
    return String.format(Locale.ROOT, "pol-%06d", i);
  }

  private static Command upsert(int i) {
    // Alternating within each namespace (whose keys run i, i + 20, ...): a selector on app=web
    // keeps every other policy of a page, wherever the page starts.
    return Workloads.policyUpsert(namespace(i), name(i), (i / 20) % 2 == 0 ? "web" : "db", i % 1000, i % 60000 + 1);
  }

  /** Stores the policies with 64 concurrent writers. */
  private void load(NodusCluster cluster) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < 64; t++) {
      writers.add(Thread.ofPlatform().name("load-" + t).start(() -> {
        try {
          for (int i = next.getAndIncrement(); i < policies; i = next.getAndIncrement()) {
            CommandResult r = cluster.client().submit(upsert(i));
            if (r.hasRejection()) {
              throw new IllegalStateException("rejected: " + r.getRejection());
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    for (Thread w : writers) {
      w.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("loading failed", failure.get());
    }
  }

  /** The continue token of every page of 100 after the first, walked once. */
  private List<String> tokens(GrpcControlPlaneClient client) {
    List<String> tokens = new ArrayList<>();
    int items = 0;
    String token = "";
    do {
      ListResponse page = client.list(ListRequest.newBuilder().setKind(ResourceKind.KIND_POLICY).setLimit(100).setContinue(token).build());
      check(page);
      items += page.getItemsCount();
      token = page.getContinue();
      if (!token.isEmpty()) {
        tokens.add(token);
      }
    } while (!token.isEmpty());
    if (items != policies) {
      throw new IllegalStateException("the listing holds " + items + " policies, not " + policies);
    }
    return tokens;
  }

  private int randomKey(int thread, long k) {
    return new Random(thread * 1_000_003L + k).nextInt(policies);
  }

  private static int randomIndex(int thread, long k, int bound) {
    return new Random(thread * 7_000_003L + k).nextInt(bound + 1);
  }

  private static GetRequest get(int i, boolean stale) {
    return GetRequest.newBuilder().setKind(ResourceKind.KIND_POLICY).setKey(namespace(i) + "/" + name(i)).setStale(stale).build();
  }

  /** Page {@code index} of the listing (0: the first, else after token index - 1). */
  private static ListRequest page(List<String> tokens, int index, boolean stale) {
    return ListRequest.newBuilder().setKind(ResourceKind.KIND_POLICY).setLimit(100).setStale(stale)
        .setContinue(index == 0 ? "" : tokens.get(index - 1)).build();
  }

  private static String policyPath(int i) {
    return "/v1/policies/" + namespace(i) + "/" + name(i);
  }

  private static String pagePath(List<String> tokens, int index) {
    return "/v1/policies?limit=100" + (index == 0 ? "" : "&continue=" + URLEncoder.encode(tokens.get(index - 1), StandardCharsets.UTF_8));
  }

  private static int httpGet(HttpClient http, String url) throws Exception {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + url + " answered " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
    }
    return r.body().length;
  }

  private static void check(GetResponse r) {
    if (!r.hasResource()) {
      throw new IllegalStateException("Get answered " + r);
    }
  }

  /** A filtered page may be short, or empty at the end of the listing. */
  private static void checkFiltered(ListResponse r) {
    if (r.hasRejection()) {
      throw new IllegalStateException("List answered " + r.getRejection());
    }
  }

  private static void check(ListResponse r) {
    if (r.hasRejection() || r.getItemsCount() == 0) {
      throw new IllegalStateException("List answered " + r.getRejection() + " with " + r.getItemsCount() + " items");
    }
  }
}
