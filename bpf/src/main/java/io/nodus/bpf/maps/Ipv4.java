package io.nodus.bpf.maps;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** IPv4 addresses to and from the network-order bytes the datapath stores. */
public final class Ipv4 {
    /** 0.0.0.0, the datapath's "none" (e.g. a local tunnel endpoint). */
    public static final Inet4Address ANY = of(new byte[4], 0);

    private Ipv4() {
    }

    /** Parses a dotted quad literally (never resolves a host name). */
    public static Inet4Address parse(String dotted) {
        String[] parts = dotted.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + dotted);
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            int v;
            try {
                v = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv4 address: " + dotted, e);
            }
            if (v < 0 || v > 255 || parts[i].isEmpty()) {
                throw new IllegalArgumentException("not an IPv4 address: " + dotted);
            }
            b[i] = (byte) v;
        }
        return of(b, 0);
    }

    public static Inet4Address of(byte[] bytes, int offset) {
        byte[] b = {bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]};
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 bytes are always an IPv4 address", e);
        }
    }

    /** Network-order bytes. */
    public static byte[] bytes(Inet4Address address) {
        return address.getAddress();
    }

    /** The address as an unsigned 32-bit value in host arithmetic (a.b.c.d = a<<24 | ...). */
    public static int toInt(Inet4Address address) {
        byte[] b = address.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    public static Inet4Address fromInt(int value) {
        return of(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value}, 0);
    }
}
