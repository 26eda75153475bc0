package io.nodus.agent.plumbing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Creates and removes the kernel side of an endpoint in the agent's network namespace (the
 * node's host namespace): a network namespace named after the endpoint, a veth pair whose host
 * side is {@code nd<hash>} and whose inner side is {@code eth0}, a /32 address inside, an on-link
 * default route inside and a /32 route to it outside. The host side answers ARP for everything it
 * routes (proxy ARP), so endpoints reach each other and the host through the node.
 *
 * <p>Every step is idempotent, so a plumbing interrupted by a crash is finished by the next
 * attempt. Called only from the agent's reconciler thread.
 */
public final class EndpointPlumber implements EndpointPlumbing {
  /** Prefix of the alias Nodus puts on host-side interfaces it owns: {@code nodus:<node>:<endpoint>}. */
  public static final String ALIAS_PREFIX = "nodus:";
  private static final Path NETNS_DIR = Path.of("/var/run/netns");
  private static final Path SYS_NET = Path.of("/sys/class/net");

  private final String node;

  public EndpointPlumber(String node) {
    this.node = node;
  }

  /**
   * The kernel side of one endpoint.
   *
   * @param endpoint endpoint (and network namespace) name
   * @param hostInterface host-side veth name
   * @param hostIfindex its ifindex in the host namespace
   */
  public record Plumbed(String endpoint, String hostInterface, int hostIfindex) {}

  /**
   * A host-side interface Nodus created, found by its alias.
   *
   * @param hostInterface interface name
   * @param node node named in the alias
   * @param endpoint endpoint named in the alias
   */
  public record OwnedLink(String hostInterface, String node, String endpoint) {}

  /** The host-side interface name of an endpoint: stable, unique per (node, endpoint), at most 15 characters. */
  public static String hostInterfaceName(String node, String endpoint) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest((node + "/" + endpoint).getBytes(StandardCharsets.UTF_8));
      return "nd" + HexFormat.of().formatHex(h, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Plumbs (or finishes plumbing) {@code endpoint} with address {@code ipv4}. Two {@code ip -batch}
   * runs (the node side, then the endpoint's namespace) instead of a process per step: plumbing a
   * thousand endpoints takes seconds, not minutes.
   */
  @Override
  public Plumbed plumb(String endpoint, String ipv4) {
    String host = hostInterfaceName(node, endpoint);
    StringBuilder outside = new StringBuilder();
    if (!Files.exists(NETNS_DIR.resolve(endpoint))) {
      outside.append("netns add ").append(endpoint).append('\n');
    }
    if (!Files.exists(SYS_NET.resolve(host))) {
      outside.append("link add ").append(host).append(" type veth peer name eth0 netns ").append(endpoint).append('\n');
    }
    outside.append("link set ").append(host).append(" alias ").append(ALIAS_PREFIX).append(node).append(':').append(endpoint).append('\n');
    Shell.batch(outside.toString());
    writeSysctl("net/ipv4/conf/" + host + "/proxy_arp", "1");
    // Answer proxy ARP at once: by default the kernel waits up to 0.8 s, which the first packet
    // of every new peer would pay.
    writeSysctl("net/ipv4/neigh/" + host + "/proxy_delay", "0");
    writeSysctl("net/ipv6/conf/" + host + "/disable_ipv6", "1");
    // Inside: no IPv6, loopback, the address, and an on-link default route (the host side answers ARP).
    Shell.run("nsenter", "--net=" + NETNS_DIR.resolve(endpoint), "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
    Shell.batch(endpoint, "link set lo up\naddr flush dev eth0\naddr add " + ipv4 + "/32 dev eth0\nlink set eth0 up\n"
        + "route replace default dev eth0\n");
    Shell.batch("link set " + host + " up\nroute replace " + ipv4 + "/32 dev " + host + "\n");
    return new Plumbed(endpoint, host, ifindex(host).orElseThrow(
        () -> new PlumbingException("interface " + host + " vanished right after it was created")));
  }

  /** Removes the endpoint's veth pair and network namespace; absent parts are fine. */
  @Override
  public void unplumb(String endpoint) {
    String host = hostInterfaceName(node, endpoint);
    if (Files.exists(SYS_NET.resolve(host))) {
      Shell.tryRun("ip", "link", "del", host);
    }
    if (Files.exists(NETNS_DIR.resolve(endpoint))) {
      Shell.tryRun("ip", "netns", "del", endpoint);
    }
  }

  /** The plumbing of an endpoint as it exists now, if both the namespace and the host interface exist. */
  @Override
  public Optional<Plumbed> inspect(String endpoint) {
    String host = hostInterfaceName(node, endpoint);
    if (!Files.exists(NETNS_DIR.resolve(endpoint))) {
      return Optional.empty();
    }
    return ifindex(host).map(i -> new Plumbed(endpoint, host, i));
  }

  /** Host-side interfaces of this node that Nodus created (found by alias), e.g. to remove stale ones. */
  @Override
  public List<OwnedLink> ownedLinks() {
    List<OwnedLink> out = new ArrayList<>();
    try (Stream<Path> links = Files.list(SYS_NET)) {
      for (Path link : links.toList()) {
        String name = link.getFileName().toString();
        if (!name.startsWith("nd")) {
          continue;
        }
        String alias = readOrEmpty(link.resolve("ifalias"));
        if (!alias.startsWith(ALIAS_PREFIX)) {
          continue;
        }
        String[] parts = alias.substring(ALIAS_PREFIX.length()).split(":", 2);
        if (parts.length == 2 && parts[0].equals(node)) {
          out.add(new OwnedLink(name, parts[0], parts[1]));
        }
      }
    } catch (IOException e) {
      throw new PlumbingException("cannot list " + SYS_NET + ": " + e.getMessage(), e);
    }
    return out;
  }

  /** The ifindex of an interface in the agent's namespace. */
  public static Optional<Integer> ifindex(String name) {
    String text = readOrEmpty(SYS_NET.resolve(name).resolve("ifindex"));
    return text.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(text));
  }

  /** Writes a sysctl of the agent's namespace through /proc/sys. */
  public static void writeSysctl(String key, String value) {
    Path p = Path.of("/proc/sys").resolve(key);
    try {
      Files.writeString(p, value);
    } catch (IOException e) {
      throw new PlumbingException("cannot set " + key.replace('/', '.') + "=" + value + ": " + e.getMessage(), e);
    }
  }

  private static String readOrEmpty(Path p) {
    try {
      return Files.readString(p).strip();
    } catch (IOException e) {
      return "";
    }
  }
}
