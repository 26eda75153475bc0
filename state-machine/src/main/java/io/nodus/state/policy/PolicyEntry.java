package io.nodus.state.policy;

import java.util.Comparator;

/**
 * One entry of an endpoint's policy: traffic with {@code identity} to a destination port in
 * {@code [port, endPort]} over {@code protocol} in {@code direction} is allowed, or denied when
 * {@code deny} is set. Identity 0, port 0 and protocol 0 are wildcards. For ICMP (protocol 1) and
 * ICMPv6 (58) the "port" is the ICMP type, which is how the datapath matches ICMP.
 *
 * <p>An allow entry whose rule carries L7 rules names the parser ({@code l7}) that must see the
 * traffic: the L4 part is enforced by the map entry, and the datapath redirects such flows to the
 * node's proxy once it exists. The resolver emits at most one allow entry per key (identity, port
 * range, protocol, direction): an L7 entry absorbs a plain allow of the same key, as Cilium's
 * proxy then allows what the L4-only rule allowed.
 *
 * @param identity peer identity, 0 for any
 * @param port first destination port (or ICMP type) 0..65535, 0 for any
 * @param endPort last port of the range; equal to {@code port} for a single port (0 with port 0)
 * @param protocol IP protocol number (6 TCP, 17 UDP, 132 SCTP, 1 ICMP, 58 ICMPv6), 0 for any
 * @param direction ingress (into the endpoint) or egress (out of it)
 * @param deny true for a deny entry (deny beats allow)
 * @param l7 the proxy parser this allowed traffic needs, {@link L7#NONE} for plain L3/L4
 */
public record PolicyEntry(int identity, int port, int endPort, int protocol, Direction direction, boolean deny, L7 l7)
    implements Comparable<PolicyEntry> {

  private static final Comparator<PolicyEntry> ORDER = Comparator
      .comparing(PolicyEntry::direction)
      .thenComparingInt(PolicyEntry::identity)
      .thenComparingInt(PolicyEntry::protocol)
      .thenComparingInt(PolicyEntry::port)
      .thenComparingInt(PolicyEntry::endPort)
      .thenComparing(PolicyEntry::deny)
      .thenComparing(PolicyEntry::l7);

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
    if (l7 == null) {
      throw new IllegalArgumentException("l7 must not be null; use L7.NONE");
    }
    if (deny && l7 != L7.NONE) {
      throw new IllegalArgumentException("a deny entry has no L7 rules");
    }
  }

  /** A plain L3/L4 entry. */
  public PolicyEntry(int identity, int port, int endPort, int protocol, Direction direction, boolean deny) {
    this(identity, port, endPort, protocol, direction, deny, L7.NONE);
  }

  /** A single port (or, with port 0, every port). */
  public PolicyEntry(int identity, int port, int protocol, Direction direction, boolean deny) {
    this(identity, port, port, protocol, direction, deny, L7.NONE);
  }

  /** Whether the entry's traffic must go through the L7 proxy. */
  public boolean needsProxy() {
    return l7 != L7.NONE;
  }

  /** The same entry without its L7 mark: the key the datapath matches on, plus the verdict. */
  public PolicyEntry withoutL7() {
    return l7 == L7.NONE ? this : new PolicyEntry(identity, port, endPort, protocol, direction, deny, L7.NONE);
  }

  /** Traffic direction relative to the endpoint the entry belongs to. */
  public enum Direction {
    INGRESS,
    EGRESS
  }

  /** The L7 parser an allow entry's traffic needs. */
  public enum L7 {
    NONE,
    HTTP,
    KAFKA,
    DNS
  }

  @Override
  public int compareTo(PolicyEntry o) {
    return ORDER.compare(this, o);
  }
}
