package io.nodus.ops.e2e;

import java.util.List;

/**
 * A host outside the cluster for tests of world and CIDR rules: a network namespace Nodus does
 * not manage, behind a veth in the agent's namespace, holding the given addresses. The agent's
 * namespace routes each address (as a /32) to it and answers its ARP, so endpoints reach it, and
 * it reaches endpoints, through the node like any outside peer. Traffic never leaves the machine.
 * {@link #close()} removes the namespace, the veth and the routes.
 */
final class ExternalHost implements AutoCloseable {
  final String namespace;
  private final String hostIf;
  private final List<String> addresses;

  ExternalHost(String namespace, List<String> addresses) {
    this.namespace = namespace;
    this.hostIf = "xv" + Integer.toHexString(namespace.hashCode() & 0xfffffff);
    this.addresses = List.copyOf(addresses);
    try {
      run("ip", "netns", "add", namespace);
      run("ip", "link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", namespace);
      run("sh", "-c", "echo 1 > /proc/sys/net/ipv4/conf/" + hostIf + "/proxy_arp");
      run("ip", "link", "set", hostIf, "up");
      run("ip", "-n", namespace, "link", "set", "lo", "up");
      for (String a : addresses) {
        run("ip", "-n", namespace, "addr", "add", a + "/32", "dev", "eth0");
      }
      run("ip", "-n", namespace, "link", "set", "eth0", "up");
      run("ip", "-n", namespace, "route", "add", "default", "dev", "eth0");
      for (String a : addresses) {
        run("ip", "route", "replace", a + "/32", "dev", hostIf);
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  List<String> addresses() {
    return addresses;
  }

  private static void run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    for (String a : addresses) {
      TestHost.run("ip", "route", "del", a + "/32", "dev", hostIf);
    }
    TestHost.run("ip", "link", "del", hostIf);
    TestHost.run("ip", "netns", "del", namespace);
  }
}
