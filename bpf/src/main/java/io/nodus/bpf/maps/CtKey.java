package io.nodus.bpf.maps;

import java.net.Inet4Address;
import java.util.Objects;

import io.nodus.bpf.TrafficDirection;

/**
 * A connection-tracking key: the tuple of the packet that created the entry (ports in host order;
 * ICMP echo uses its identifier as both ports) and the direction of that packet relative to the
 * endpoint. Replies match the reversed tuple with the opposite direction.
 */
public record CtKey(Inet4Address source, Inet4Address destination, int sourcePort, int destinationPort,
        int proto, TrafficDirection direction) {

    public CtKey {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        if (sourcePort < 0 || sourcePort > 0xffff || destinationPort < 0 || destinationPort > 0xffff) {
            throw new IllegalArgumentException("ports must be 0..65535");
        }
        if (proto < 0 || proto > 0xff) {
            throw new IllegalArgumentException("proto must be 0..255, was " + proto);
        }
        Objects.requireNonNull(direction, "direction");
    }
}
