package io.nodus.ops.bench.datapath;

import static io.nodus.ops.bench.datapath.BenchTopology.sh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * `ops/bench datapath`: one run, one table of ratios against baselines measured in the same run.
 *
 * <ol>
 *   <li>UDP packets per second and TCP throughput through a node (client namespace, node
 *       namespace, server namespace) with nothing on the path, with the Nodus datapath holding 1,
 *       1,000 and 10,000 policy entries, and with iptables rule sets of 1, 1,000 and 10,000 rules.
 *       Configurations are interleaved over rounds and the median is shown, so that a load change
 *       on this shared machine hits every configuration alike. The programs' own cost per run
 *       comes from the kernel's BPF statistics.</li>
 *   <li>Policy propagation on a node with 1,000 endpoints: REST acknowledgement to map entries
 *       written, p50 and p99.</li>
 * </ol>
 * Prints how it was run and the machine's load; exits non-zero only when something could not
 * run, never because a target was missed.
 */
public final class DatapathBench {
  private static final int[] SIZES = {1, 1000, 10000};

  private DatapathBench() {}

  public static void main(String[] args) throws Exception {
    double seconds = Double.parseDouble(arg(args, "--seconds", "4"));
    int rounds = Integer.parseInt(arg(args, "--rounds", "3"));
    int endpoints = Integer.parseInt(arg(args, "--endpoints", "1000"));
    int changes = Integer.parseInt(arg(args, "--changes", "200"));
    Path udpblast = Path.of(arg(args, "--udpblast", "ops/target/udpblast"));
    boolean skipThroughput = List.of(args).contains("--no-throughput");
    boolean skipPropagation = List.of(args).contains("--no-propagation");
    if (!Files.isExecutable(udpblast)) {
      throw new IllegalStateException("udpblast not found at " + udpblast + " (ops/bench/datapath builds it)");
    }
    String suffix = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    System.out.println("Nodus datapath benchmark");
    System.out.println("  machine: kernel " + sh("uname", "-r").strip() + ", " + Runtime.getRuntime().availableProcessors()
        + " CPUs, load average at start " + load());
    if (!skipThroughput) {
      throughput(suffix, udpblast, seconds, rounds);
    }
    if (!skipPropagation) {
      propagation(suffix, endpoints, changes);
    }
    System.out.println("  load average at end " + load());
  }

  private static void throughput(String suffix, Path udpblast, double seconds, int rounds) throws Exception {
    String iptables = sh("iptables", "--version").strip();
    System.out.printf("""
          path: client netns -> veth -> node netns (IPv4 forwarding) -> veth -> server netns
          UDP: udpblast, 2 sender threads, sendmmsg, 18-byte payload (64-byte frames); rate = packets delivered
               to the server's interface per second (the senders share the 2 CPUs with the whole path)
          TCP: iperf3, one stream, receiver throughput
          Nodus: both programs on the node's veths, server under ingress default deny; N policy entries of
                 which one allows the client (the others: other identities on the benchmark's ports)
          iptables: %s, FORWARD chain policy DROP: one reply rule, N-1 rules that do not match,
                    the client's allow last; no conntrack shortcut, so every forwarded packet walks the chain;
                    the ruleset is flushed (nft flush ruleset) before every other configuration
          %d rounds of %.0f s per configuration and protocol, interleaved, each after a 1.5 s pause and a 0.5 s
          warm-up; median shown
          BPF ns/run: run_time_ns / run_cnt of both programs (kernel.bpf_stats_enabled=1), in a separate UDP pass;
                      a packet through the node runs two programs (the client's egress, the server's ingress)
        %n""", iptables, rounds, seconds);
    Map<String, List<double[]>> results = new LinkedHashMap<>();
    Map<String, double[]> bpfCost = new LinkedHashMap<>();
    List<String> configs = new ArrayList<>(List.of("no program"));
    for (int n : SIZES) {
      configs.add("nodus " + n);
    }
    for (int n : SIZES) {
      configs.add("iptables " + n);
    }
    if (System.getProperty("nodus.bench.configs") != null) {
      // For investigating one effect: e.g. -Dnodus.bench.configs="no program,nodus 1,no program#2".
      configs = List.of(System.getProperty("nodus.bench.configs").split(","));
    }
    String statsBefore = sh("sysctl", "-n", "kernel.bpf_stats_enabled").strip();
    try (BenchTopology topo = new BenchTopology(suffix); PathUnderTest path = new PathUnderTest(topo, udpblast, suffix)) {
      // Statistics cost a clock read per run: measure throughput without them.
      sh("sysctl", "-qw", "kernel.bpf_stats_enabled=0");
      for (int round = 1; round <= rounds; round++) {
        for (String config : configs) {
          int n = config.startsWith("no program") ? 0 : Integer.parseInt(config.substring(config.indexOf(' ') + 1));
          if (config.startsWith("nodus")) {
            path.nodus(n);
          } else if (config.startsWith("iptables")) {
            path.iptables(n);
          } else {
            path.clear();
          }
          // Let deferred kernel work of the last change (freeing 10,000 rules) finish, and warm up.
          Thread.sleep(1500);
          path.udpPps(0.5);
          double pps = path.udpPps(seconds);
          double bps = path.tcpBps(seconds);
          if (round == 1 && config.startsWith("nodus")) {
            System.err.printf("  %s: %d policy entries in the server's map%n", config, path.nodusEntries());
          }
          results.computeIfAbsent(config, k -> new ArrayList<>()).add(new double[] {pps, bps});
          System.err.printf("  round %d %-15s udp %,12.0f pps  tcp %6.2f Gbit/s%n", round, config, pps, bps / 1e9);
        }
      }
      // The programs' own cost per run, from the kernel's statistics, in a separate UDP pass.
      sh("sysctl", "-qw", "kernel.bpf_stats_enabled=1");
      for (int n : SIZES) {
        path.nodus(n);
        long[] before = path.bpfStats();
        path.udpPps(Math.min(seconds, 2));
        long[] after = path.bpfStats();
        bpfCost.put("nodus " + n, new double[] {after[0] - before[0], after[1] - before[1]});
      }
    } finally {
      sh("sysctl", "-qw", "kernel.bpf_stats_enabled=" + statsBefore);
    }
    print(results, bpfCost);
  }

  private static void print(Map<String, List<double[]>> results, Map<String, double[]> bpfCost) {
    double basePps = median(results.get("no program"), 0);
    double baseBps = median(results.get("no program"), 1);
    if (!results.containsKey("nodus 10000") || !results.containsKey("iptables 10000")) {
      results.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-22s %,14.0f %12.2f%n", k, median(v, 0), median(v, 1) / 1e9));
      return;
    }
    System.out.printf("%n  %-22s %14s %8s %12s %8s %12s%n", "configuration", "UDP pps", "x base", "TCP Gbit/s", "x base",
        "BPF ns/run");
    for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
      double pps = median(e.getValue(), 0);
      double bps = median(e.getValue(), 1);
      double[] cost = bpfCost.get(e.getKey());
      String perRun = cost == null || cost[1] == 0 ? "-" : String.format(Locale.ROOT, "%.0f", cost[0] / cost[1]);
      System.out.printf(Locale.ROOT, "  %-22s %,14.0f %8.2f %12.2f %8.2f %12s%n", label(e.getKey()), pps, pps / basePps,
          bps / 1e9, bps / baseBps, perRun);
    }
    double nodusPps = median(results.get("nodus 10000"), 0);
    double nodusBps = median(results.get("nodus 10000"), 1);
    double iptPps = median(results.get("iptables 10000"), 0);
    double iptBps = median(results.get("iptables 10000"), 1);
    System.out.printf(Locale.ROOT, """

          targets with 10,000 entries:
            UDP: %.2fx no program (target >= 0.85: %s), %.1fx iptables (target >= 20: %s)
            TCP: %.2fx no program (target >= 0.85: %s), %.1fx iptables (target >= 20: %s)
        """, nodusPps / basePps, verdict(nodusPps / basePps >= 0.85), nodusPps / iptPps, verdict(nodusPps / iptPps >= 20),
        nodusBps / baseBps, verdict(nodusBps / baseBps >= 0.85), nodusBps / iptBps, verdict(nodusBps / iptBps >= 20));
  }

  private static void propagation(String suffix, int endpoints, int changes) throws Exception {
    System.out.printf("%n  policy propagation: %d endpoints on one node (real namespaces and veths), controller and agent"
        + " as processes, %d policy changes one at a time, each selecting one endpoint%n", endpoints, changes);
    try (Propagation p = new Propagation(suffix)) {
      Propagation.Result r = p.run(endpoints, changes);
      System.out.printf(Locale.ROOT, "    each change writes %d entries into one endpoint's map%n", r.entriesPerChange());
      System.out.printf(Locale.ROOT, "    REST ack -> entries written:     p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms"
          + "  (%d of %d written before the ack reached the client: counted as 0)%n",
          pct(r.ackToWrittenMicros(), 50), pct(r.ackToWrittenMicros(), 99), pct(r.ackToWrittenMicros(), 100),
          r.writtenBeforeAck(), changes);
      System.out.printf(Locale.ROOT, "    REST request -> entries written: p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms%n",
          pct(r.requestToWrittenMicros(), 50), pct(r.requestToWrittenMicros(), 99), pct(r.requestToWrittenMicros(), 100));
      System.out.printf(Locale.ROOT, "    target p99 (ack -> written) < 50 ms: %s%n", verdict(pct(r.ackToWrittenMicros(), 99) < 50));
    }
  }

  private static double pct(List<Long> micros, int p) {
    List<Long> s = new ArrayList<>(micros);
    s.sort(null);
    int i = Math.min(s.size() - 1, Math.max(0, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    return s.get(i) / 1000.0;
  }

  private static String label(String config) {
    if (config.equals("no program")) {
      return config;
    }
    int n = Integer.parseInt(config.substring(config.indexOf(' ') + 1));
    String what = config.startsWith("nodus") ? (n == 1 ? "entry" : "entries") : (n == 1 ? "rule" : "rules");
    return String.format(Locale.ROOT, "%s %,d %s", config.substring(0, config.indexOf(' ')), n, what);
  }

  private static double median(List<double[]> runs, int field) {
    double[] v = runs.stream().mapToDouble(r -> r[field]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static String verdict(boolean met) {
    return met ? "met" : "MISSED";
  }

  private static String load() throws Exception {
    return Files.readString(Path.of("/proc/loadavg")).strip().split(" ", 4)[0] + " "
        + Files.readString(Path.of("/proc/loadavg")).strip().split(" ", 4)[1] + " "
        + Files.readString(Path.of("/proc/loadavg")).strip().split(" ", 4)[2];
  }

  private static String arg(String[] args, String name, String fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}
