package io.nodus.ops.bench.datapath;

import static io.nodus.ops.bench.datapath.BenchTopology.sh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodus.bpf.Datapath;
import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.libbpf.BpfObject;
import io.nodus.bpf.maps.EndpointInfo;
import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMap;
import io.nodus.bpf.maps.PolicyMapContents;
import io.nodus.bpf.maps.PolicyMapRule;
import io.nodus.bpf.maps.PolicyValue;
import io.nodus.bpf.netns.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * What sits on the benchmark's path and how it is measured: nothing, the Nodus datapath (both
 * programs on the node's veths, the server under ingress default deny with N policy entries of
 * which one allows the client), or an iptables FORWARD chain of N rules whose last one matches.
 * UDP is measured as packets delivered to the server's interface per second while udpblast sends
 * 18-byte datagrams as fast as two threads can; TCP as iperf3's receiver throughput, one stream.
 *
 * <p>Threading: single-threaded, driven by the benchmark's main thread.
 */
final class PathUnderTest implements AutoCloseable {
  static final int UDP_PORT = 5001;
  static final int TCP_PORT = 5201;
  private static final int CLIENT_ID = 1002;
  private static final int SERVER_ID = 1001;
  private static final int CLIENT_EP = 12;
  private static final int SERVER_EP = 11;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BenchTopology topo;
  private final Path udpblast;
  private final Path pinRoot;
  private Datapath datapath;
  private boolean attached;

  PathUnderTest(BenchTopology topo, Path udpblast, String suffix) {
    this.topo = topo;
    this.udpblast = udpblast;
    this.pinRoot = Path.of("/sys/fs/bpf/nodus/bench-" + suffix);
  }

  /** Nothing on the path: no program, an empty FORWARD chain that accepts. */
  void clear() throws Exception {
    if (attached) {
      NetNs.run(topo.node, () -> {
        datapath.detach(topo.ifindex(topo.clientVeth));
        datapath.detach(topo.ifindex(topo.serverVeth));
      });
      attached = false;
    }
    // Not an empty chain but no table at all: an nf_tables base chain costs a hook per packet even
    // when empty, which would tax every later configuration.
    sh("ip", "netns", "exec", topo.node, "nft", "flush", "ruleset");
  }

  /** The Nodus datapath with {@code entries} entries in the server's policy map. */
  void nodus(int entries) throws Exception {
    clear();
    if (datapath == null) {
      datapath = Datapath.open(pinRoot);
      datapath.ipcache().put(Ipv4Prefix.parse(BenchTopology.CLIENT_IP + "/32"), IpCacheEntry.local(CLIENT_ID));
      datapath.ipcache().put(Ipv4Prefix.parse(BenchTopology.SERVER_IP + "/32"), IpCacheEntry.local(SERVER_ID));
      datapath.policies().create(SERVER_EP).close();
      datapath.policies().create(CLIENT_EP).close();
    }
    // The client may reach the server (one L3 entry); the others are other identities on the
    // benchmark's ports, as a large policy's peers would be.
    List<PolicyMapRule> rules = new ArrayList<>();
    rules.add(new PolicyMapRule(CLIENT_ID, TrafficDirection.INGRESS, PolicyKey.ANY_PROTO, 0, 0, false));
    for (int i = 0; rules.size() < entries; i++) {
      int proto = i % 2 == 0 ? PolicyKey.UDP : PolicyKey.TCP;
      int port = proto == PolicyKey.UDP ? UDP_PORT : TCP_PORT;
      rules.add(new PolicyMapRule(20_000 + i / 2, TrafficDirection.INGRESS, proto, port, port, false));
    }
    SortedMap<PolicyKey, PolicyValue> contents = PolicyMapContents.of(rules);
    datapath.policies().replace(SERVER_EP, PolicyMap.DEFAULT_CAPACITY, contents).close();
    datapath.endpoints().put(topo.ifindex(topo.clientVeth),
        new EndpointInfo(CLIENT_EP, CLIENT_ID, Ipv4.parse(BenchTopology.CLIENT_IP), false, false));
    datapath.endpoints().put(topo.ifindex(topo.serverVeth),
        new EndpointInfo(SERVER_EP, SERVER_ID, Ipv4.parse(BenchTopology.SERVER_IP), true, false));
    NetNs.run(topo.node, () -> {
      datapath.attach(topo.ifindex(topo.clientVeth));
      datapath.attach(topo.ifindex(topo.serverVeth));
    });
    attached = true;
  }

  /** Policy entries in the server's map now. */
  int nodusEntries() {
    try (PolicyMap m = datapath.policies().open(SERVER_EP).orElseThrow()) {
      return m.entries().size();
    }
  }

  /**
   * An iptables FORWARD chain (policy DROP) of {@code rules} rules after one for the replies
   * (server to client): rules for other sources that never match, then the client's allow. Every
   * forward packet walks the chain: there is no conntrack shortcut, as in a plain rule set.
   */
  void iptables(int rules) throws Exception {
    clear();
    StringBuilder r = new StringBuilder("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    r.append("-A FORWARD -s ").append(BenchTopology.SERVER_IP).append("/32 -d ").append(BenchTopology.CLIENT_IP)
        .append("/32 -j ACCEPT\n");
    for (int i = 0; i < rules - 1; i++) {
      r.append("-A FORWARD -s 10.").append(90 + i / 65536).append('.').append((i / 256) % 256).append('.').append(i % 256)
          .append("/32 -d ").append(BenchTopology.SERVER_IP).append("/32 -j ACCEPT\n");
    }
    r.append("-A FORWARD -s ").append(BenchTopology.CLIENT_IP).append("/32 -d ").append(BenchTopology.SERVER_IP)
        .append("/32 -j ACCEPT\nCOMMIT\n");
    iptables(r.toString());
  }

  private void iptables(String rules) throws Exception {
    Path f = Files.createTempFile("nodus-bench-rules", ".txt");
    try {
      Files.writeString(f, rules);
      sh("sh", "-c", "ip netns exec " + topo.node + " iptables-restore < " + f);
    } finally {
      Files.deleteIfExists(f);
    }
  }

  /** UDP packets per second delivered to the server while udpblast sends for {@code seconds}. */
  double udpPps(double seconds) throws Exception {
    Process sink = new ProcessBuilder("ip", "netns", "exec", topo.server, udpblast.toString(), "hold", Integer.toString(UDP_PORT),
        Integer.toString((int) Math.ceil(seconds) + 5)).redirectErrorStream(true).start();
    try {
      Thread.sleep(200);
      long before = rxPackets();
      long t0 = System.nanoTime();
      sh("ip", "netns", "exec", topo.client, udpblast.toString(), "send", BenchTopology.SERVER_IP, Integer.toString(UDP_PORT),
          Double.toString(seconds), "2", "18");
      Thread.sleep(100); // let the last packets cross the node
      long delivered = rxPackets() - before;
      return delivered / ((System.nanoTime() - t0) / 1e9 - 0.1);
    } finally {
      sink.destroyForcibly();
      sink.waitFor();
    }
  }

  private long rxPackets() throws Exception {
    JsonNode link = JSON.readTree(sh("ip", "-n", topo.server, "-s", "-j", "link", "show", "eth0"));
    return link.get(0).path("stats64").path("rx").path("packets").asLong();
  }

  /** TCP throughput in bits per second (iperf3, one stream, receiver side). */
  double tcpBps(double seconds) throws Exception {
    Process server = new ProcessBuilder("ip", "netns", "exec", topo.server, "iperf3", "-s", "-1", "-p", Integer.toString(TCP_PORT))
        .redirectErrorStream(true).start();
    try {
      Thread.sleep(300);
      JsonNode r = JSON.readTree(sh("ip", "netns", "exec", topo.client, "iperf3", "-c", BenchTopology.SERVER_IP, "-p",
          Integer.toString(TCP_PORT), "-t", Integer.toString((int) Math.ceil(seconds)), "-J"));
      return r.path("end").path("sum_received").path("bits_per_second").asDouble();
    } finally {
      server.destroyForcibly();
      server.waitFor();
    }
  }

  /** run_time_ns and run_cnt of both programs (kernel.bpf_stats_enabled must be 1). */
  long[] bpfStats() throws Exception {
    long ns = 0;
    long runs = 0;
    for (int fd : new int[] {datapath.fromEndpointProgramFd(), datapath.toEndpointProgramFd()}) {
      JsonNode p = JSON.readTree(sh("bpftool", "prog", "show", "id", Integer.toString(BpfObject.programId(fd)), "-j"));
      ns += p.path("run_time_ns").asLong();
      runs += p.path("run_cnt").asLong();
    }
    return new long[] {ns, runs};
  }

  @Override
  public void close() throws Exception {
    try {
      clear();
    } finally {
      if (datapath != null) {
        datapath.close();
      }
      try (var walk = Files.exists(pinRoot) ? Files.walk(pinRoot) : java.util.stream.Stream.<Path>empty()) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
