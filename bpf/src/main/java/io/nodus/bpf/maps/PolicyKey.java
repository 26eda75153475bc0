package io.nodus.bpf.maps;

import java.util.Objects;

import io.nodus.bpf.TrafficDirection;

/**
 * One policy map key: remote identity (0 = any), destination port in host order (0 = any; for
 * ICMP the ICMP type, e.g. 8 for echo request), IP protocol (0 = any) and direction.
 */
public record PolicyKey(int identity, int port, int proto, TrafficDirection direction) {
    public static final int ANY_IDENTITY = 0;
    public static final int ANY_PORT = 0;
    public static final int ANY_PROTO = 0;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMP = 1;

    public PolicyKey {
        if (identity < 0) {
            throw new IllegalArgumentException("identity must be >= 0, was " + identity);
        }
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (proto < 0 || proto > 0xff) {
            throw new IllegalArgumentException("proto must be 0..255, was " + proto);
        }
        Objects.requireNonNull(direction, "direction");
    }

    public static PolicyKey ingress(int identity, int port, int proto) {
        return new PolicyKey(identity, port, proto, TrafficDirection.INGRESS);
    }

    public static PolicyKey egress(int identity, int port, int proto) {
        return new PolicyKey(identity, port, proto, TrafficDirection.EGRESS);
    }
}
