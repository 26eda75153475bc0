package io.nodus.bpf.maps;

import java.util.Comparator;
import java.util.Objects;

import io.nodus.bpf.TrafficDirection;

/**
 * One key of an endpoint's policy trie: remote identity (0 = any), direction, IP protocol (0 =
 * any, and then no port) and a prefix of the destination port: the {@code portBits} high bits of
 * {@code port} (0 bits = any port; 16 = exactly that port). For ICMP the "port" is the ICMP type.
 * The trie's prefix length is {@link #prefixLength()}; a longer prefix is a more specific match.
 */
public record PolicyKey(int identity, TrafficDirection direction, int proto, int port, int portBits)
        implements Comparable<PolicyKey> {
    public static final int ANY_IDENTITY = 0;
    public static final int ANY_PORT = 0;
    public static final int ANY_PROTO = 0;
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int SCTP = 132;
    /** Prefix length of an identity-and-direction-only key (any protocol). */
    public static final int PREFIX_L3 = 40;
    /** Prefix length of a key with a protocol and any port. */
    public static final int PREFIX_PROTO = 48;

    private static final Comparator<PolicyKey> ORDER = Comparator.comparing(PolicyKey::direction)
            .thenComparingInt(PolicyKey::identity).thenComparingInt(PolicyKey::proto)
            .thenComparingInt(PolicyKey::port).thenComparingInt(PolicyKey::portBits);

    public PolicyKey {
        if (identity < 0) {
            throw new IllegalArgumentException("identity must be >= 0, was " + identity);
        }
        Objects.requireNonNull(direction, "direction");
        if (proto < 0 || proto > 0xff) {
            throw new IllegalArgumentException("proto must be 0..255, was " + proto);
        }
        if (portBits < 0 || portBits > 16) {
            throw new IllegalArgumentException("portBits must be 0..16, was " + portBits);
        }
        if (port < 0 || port > 0xffff || (port & ~mask(portBits)) != 0) {
            throw new IllegalArgumentException("port " + port + " has bits past its /" + portBits + " prefix");
        }
        if (proto == ANY_PROTO && portBits != 0) {
            throw new IllegalArgumentException("a key for any protocol cannot name a port");
        }
    }

    /** An exact port (or, with port 0, any port of the protocol; with proto 0, anything). */
    public static PolicyKey of(int identity, TrafficDirection direction, int proto, int port) {
        return port == 0 ? new PolicyKey(identity, direction, proto, 0, 0)
                : new PolicyKey(identity, direction, proto, port, 16);
    }

    public static PolicyKey ingress(int identity, int port, int proto) {
        return of(identity, TrafficDirection.INGRESS, proto, port);
    }

    public static PolicyKey egress(int identity, int port, int proto) {
        return of(identity, TrafficDirection.EGRESS, proto, port);
    }

    /** The trie prefix length: 40 (L3 only), 48 (protocol), up to 64 (protocol and full port). */
    public int prefixLength() {
        return proto == ANY_PROTO ? PREFIX_L3 : PREFIX_PROTO + portBits;
    }

    /** First port the key covers (0 when it covers every port). */
    public int firstPort() {
        return port;
    }

    /** Last port the key covers. */
    public int lastPort() {
        return port | (~mask(portBits) & 0xffff);
    }

    /** Whether every packet this key matches is also matched by {@code other} (same or shorter prefix). */
    public boolean isCoveredBy(PolicyKey other) {
        if (other.identity != identity || other.direction != direction) {
            return false;
        }
        if (other.proto == ANY_PROTO) {
            return true;
        }
        return other.proto == proto && other.portBits <= portBits
                && ((port ^ other.port) & mask(other.portBits)) == 0;
    }

    /** The key one bit shorter that covers this one, or null for an L3-only key. */
    public PolicyKey parent() {
        if (proto == ANY_PROTO) {
            return null;
        }
        if (portBits == 0) {
            return new PolicyKey(identity, direction, ANY_PROTO, 0, 0);
        }
        int bits = portBits - 1;
        return new PolicyKey(identity, direction, proto, port & mask(bits), bits);
    }

    static int mask(int bits) {
        return bits == 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
    }

    @Override
    public int compareTo(PolicyKey o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        String peer = identity == ANY_IDENTITY ? "any" : Integer.toString(identity);
        String l4 = proto == ANY_PROTO ? "any" : proto + "/" + (portBits == 0 ? "*"
                : portBits == 16 ? Integer.toString(port) : firstPort() + "-" + lastPort());
        return direction.name().toLowerCase(java.util.Locale.ROOT) + " " + peer + " " + l4;
    }
}
