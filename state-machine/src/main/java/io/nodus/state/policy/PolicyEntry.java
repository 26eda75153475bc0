package io.nodus.state.policy;

import java.util.Comparator;

/**
 * One entry of an endpoint's policy: traffic with {@code identity} to a destination port in
 * {@code [port, endPort]} over {@code protocol} in {@code direction} is allowed, or denied when
 * {@code deny} is set. Identity 0, port 0 and protocol 0 are wildcards.
 *
 * @param identity peer identity, 0 for any
 * @param port first destination port 0..65535, 0 for any
 * @param endPort last port of the range; equal to {@code port} for a single port (0 with port 0)
 * @param protocol IP protocol number (6 TCP, 17 UDP, 132 SCTP, 1 ICMP), 0 for any
 * @param direction ingress (into the endpoint) or egress (out of it)
 * @param deny true for a deny entry (deny beats allow)
 */
public record PolicyEntry(int identity, int port, int endPort, int protocol, Direction direction, boolean deny)
    implements Comparable<PolicyEntry> {

  private static final Comparator<PolicyEntry> ORDER = Comparator
      .comparing(PolicyEntry::direction)
      .thenComparingInt(PolicyEntry::identity)
      .thenComparingInt(PolicyEntry::protocol)
      .thenComparingInt(PolicyEntry::port)
      .thenComparingInt(PolicyEntry::endPort)
      .thenComparing(PolicyEntry::deny);

  public PolicyEntry {
    if (identity < 0) {
      throw new IllegalArgumentException("identity " + identity + " is negative");
    }
    if (port < 0 || port > 65535 || endPort < port || endPort > 65535) {
      throw new IllegalArgumentException("port range " + port + "-" + endPort + " outside 0..65535 or reversed");
    }
    if (port == 0 && endPort != 0) {
      throw new IllegalArgumentException("a range cannot start at the wildcard port 0");
    }
    if (protocol < 0 || protocol > 255) {
      throw new IllegalArgumentException("protocol " + protocol + " outside 0..255");
    }
  }

  /** A single port (or, with port 0, every port). */
  public PolicyEntry(int identity, int port, int protocol, Direction direction, boolean deny) {
    this(identity, port, port, protocol, direction, deny);
  }

  /** Traffic direction relative to the endpoint the entry belongs to. */
  public enum Direction {
    INGRESS,
    EGRESS
  }

  @Override
  public int compareTo(PolicyEntry o) {
    return ORDER.compare(this, o);
  }
}
