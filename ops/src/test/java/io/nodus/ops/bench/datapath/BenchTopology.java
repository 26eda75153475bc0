package io.nodus.ops.bench.datapath;

import io.nodus.bpf.netns.NetNs;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The path the throughput benchmark measures: a client and a server namespace, each behind a veth
 * whose other end is in a "node" namespace that routes between them (IPv4 forwarding), where the
 * Nodus programs or the iptables rules sit. Names carry a random suffix; {@link #close()} deletes
 * the namespaces, which removes the veths, programs and rules with them.
 */
final class BenchTopology implements AutoCloseable {
  static final String CLIENT_IP = "10.88.0.2";
  static final String SERVER_IP = "10.88.0.3";
  private static final String GATEWAY = "169.254.1.1";

  final String node;
  final String client;
  final String server;
  final String clientVeth;
  final String serverVeth;
  private final List<String> namespaces = new ArrayList<>();

  BenchTopology(String suffix) throws Exception {
    node = "bn-" + suffix;
    client = "bc-" + suffix;
    server = "bs-" + suffix;
    clientVeth = "hc" + suffix;
    serverVeth = "hs" + suffix;
    try {
      for (String ns : List.of(node, client, server)) {
        sh("ip", "netns", "add", ns);
        namespaces.add(ns);
        sh("ip", "-n", ns, "link", "set", "lo", "up");
      }
      sh("nsenter", "--net=" + NetNs.path(node), "sysctl", "-qw", "net.ipv4.ip_forward=1");
      plug(client, clientVeth, CLIENT_IP);
      plug(server, serverVeth, SERVER_IP);
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  private void plug(String ns, String veth, String ip) throws IOException, InterruptedException {
    sh("ip", "link", "add", veth, "netns", node, "type", "veth", "peer", "name", "eth0", "netns", ns);
    sh("ip", "-n", node, "addr", "add", GATEWAY + "/32", "dev", veth);
    sh("ip", "-n", node, "link", "set", veth, "up");
    sh("ip", "-n", node, "route", "add", ip + "/32", "dev", veth, "scope", "link");
    sh("ip", "-n", ns, "addr", "add", ip + "/32", "dev", "eth0");
    sh("ip", "-n", ns, "link", "set", "eth0", "up");
    sh("ip", "-n", ns, "route", "add", GATEWAY, "dev", "eth0", "scope", "link");
    sh("ip", "-n", ns, "route", "add", "default", "via", GATEWAY, "dev", "eth0");
  }

  int ifindex(String veth) throws Exception {
    return NetNs.ifindex(node, veth);
  }

  /** Runs a command to completion; returns its output, or fails with it. */
  static String sh(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
    }
    return out;
  }

  @Override
  public void close() {
    for (String ns : namespaces) {
      try {
        sh("ip", "netns", "del", ns);
      } catch (IOException e) {
        System.err.println("could not delete namespace " + ns + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    namespaces.clear();
  }
}
