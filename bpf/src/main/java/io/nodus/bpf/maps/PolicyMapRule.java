package io.nodus.bpf.maps;

import java.util.Objects;

import io.nodus.bpf.TrafficDirection;

/**
 * A rule as an endpoint's policy map understands it: traffic with {@code identity} (0 = any) in
 * {@code direction} over {@code proto} (0 = any) to a destination port in {@code [port, endPort]}
 * (port 0 = any) is allowed, or denied. {@link PolicyMapContents} turns rules into trie keys.
 */
public record PolicyMapRule(int identity, TrafficDirection direction, int proto, int port, int endPort,
        boolean deny) {

    public PolicyMapRule {
        if (identity < 0) {
            throw new IllegalArgumentException("identity must be >= 0, was " + identity);
        }
        Objects.requireNonNull(direction, "direction");
        if (proto < 0 || proto > 0xff) {
            throw new IllegalArgumentException("proto must be 0..255, was " + proto);
        }
        if (port < 0 || endPort < port || endPort > 0xffff || (port == 0 && endPort != 0)) {
            throw new IllegalArgumentException("port range " + port + "-" + endPort + " is invalid");
        }
    }
}
