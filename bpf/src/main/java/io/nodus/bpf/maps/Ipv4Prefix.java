package io.nodus.bpf.maps;

import java.net.Inet4Address;
import java.util.Objects;

/** An IPv4 prefix (CIDR) with no host bits set, e.g. {@code 10.0.0.0/8} or a host {@code /32}. */
public record Ipv4Prefix(Inet4Address address, int length) {

    public Ipv4Prefix {
        Objects.requireNonNull(address, "address");
        if (length < 0 || length > 32) {
            throw new IllegalArgumentException("prefix length must be 0..32, was " + length);
        }
        int value = Ipv4.toInt(address);
        if ((value & ~mask(length)) != 0) {
            throw new IllegalArgumentException("host bits set in " + address.getHostAddress() + "/" + length);
        }
    }

    /** Parses {@code a.b.c.d/n}; a bare address is a /32. */
    public static Ipv4Prefix parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            return host(Ipv4.parse(cidr));
        }
        return new Ipv4Prefix(Ipv4.parse(cidr.substring(0, slash)), Integer.parseInt(cidr.substring(slash + 1)));
    }

    public static Ipv4Prefix host(Inet4Address address) {
        return new Ipv4Prefix(address, 32);
    }

    public boolean contains(Inet4Address candidate) {
        return ((Ipv4.toInt(candidate) ^ Ipv4.toInt(address)) & mask(length)) == 0;
    }

    private static int mask(int length) {
        return length == 0 ? 0 : -1 << (32 - length);
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + length;
    }
}
