package io.nodus.agent.plumbing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Facts and settings of the node's host network namespace (the one the agent runs in). */
public final class HostNetwork {
  private static final Pattern INET = Pattern.compile("\\binet (\\d+\\.\\d+\\.\\d+\\.\\d+)/\\d+");

  private HostNetwork() {}

  /** Every IPv4 address of the namespace, loopback included. */
  public static List<String> ipv4Addresses() {
    List<String> out = new ArrayList<>();
    Matcher m = INET.matcher(Shell.run("ip", "-4", "-o", "addr", "show"));
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** The first IPv4 address that is not loopback, or empty. */
  public static String primaryIpv4() {
    return ipv4Addresses().stream().filter(a -> !a.startsWith("127.")).findFirst().orElse("");
  }

  /** Endpoints reach each other and the outside through the node: IPv4 forwarding must be on. */
  public static void enableForwarding() {
    EndpointPlumber.writeSysctl("net/ipv4/ip_forward", "1");
  }

  /** Mounts bpffs at /sys/fs/bpf unless it is mounted already (fresh machines may lack it). */
  public static void ensureBpffs() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
        String[] f = line.split(" ");
        if (f.length > 2 && f[1].equals("/sys/fs/bpf") && f[2].equals("bpf")) {
          return;
        }
      }
    } catch (IOException e) {
      throw new PlumbingException("cannot read /proc/mounts: " + e.getMessage(), e);
    }
    Shell.run("mount", "-t", "bpf", "bpf", "/sys/fs/bpf");
  }
}
