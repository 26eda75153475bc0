package io.nodus.bpf.maps;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * One local endpoint as the datapath sees it, keyed by its host-side veth ifindex: its id (the key
 * of its policy map), identity, address, which directions are under default deny, and whether
 * its packets are traced (trace events for every forwarded packet).
 */
public record EndpointInfo(int endpointId, int identity, Inet4Address ipv4, boolean ingressEnforced,
        boolean egressEnforced, boolean trace) {

    /** Bit 0 of {@code endpoint_info.flags}. */
    static final int F_INGRESS_ENFORCED = 1;
    /** Bit 1 of {@code endpoint_info.flags}. */
    static final int F_EGRESS_ENFORCED = 2;
    /** Bit 2 of {@code endpoint_info.flags}. */
    static final int F_TRACE = 4;

    public EndpointInfo {
        if (endpointId < 0) {
            throw new IllegalArgumentException("endpointId must be >= 0, was " + endpointId);
        }
        if (identity < 0) {
            throw new IllegalArgumentException("identity must be >= 0, was " + identity);
        }
        Objects.requireNonNull(ipv4, "ipv4");
    }

    /** An endpoint that is not traced. */
    public EndpointInfo(int endpointId, int identity, Inet4Address ipv4, boolean ingressEnforced,
            boolean egressEnforced) {
        this(endpointId, identity, ipv4, ingressEnforced, egressEnforced, false);
    }

    public EndpointInfo withEnforcement(boolean ingress, boolean egress) {
        return new EndpointInfo(endpointId, identity, ipv4, ingress, egress, trace);
    }

    public EndpointInfo withTrace(boolean on) {
        return new EndpointInfo(endpointId, identity, ipv4, ingressEnforced, egressEnforced, on);
    }

    int flags() {
        return (ingressEnforced ? F_INGRESS_ENFORCED : 0) | (egressEnforced ? F_EGRESS_ENFORCED : 0)
                | (trace ? F_TRACE : 0);
    }
}
