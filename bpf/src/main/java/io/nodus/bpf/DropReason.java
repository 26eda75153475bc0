package io.nodus.bpf;

/**
 * Reason codes the datapath reports in events and metrics. Drop reasons reuse Cilium's numbers and
 * texts (pkg/monitor/api/drop.go) so operators and tools read them the same way; codes below 130
 * are not drops. Must match the {@code #define}s in {@code nodus_maps.h} (a test checks).
 */
public enum DropReason {
    /** Cilium's "Success": the packet was forwarded. */
    FORWARDED(0, "Success"),
    /** Nodus only, not a drop: a drop event could not be reserved in the full ring buffer. */
    EVENT_LOST(120, "Event lost: ring buffer full"),
    /** Direction enforced and no policy entry allows the flow. */
    POLICY_DENIED(133, "Policy denied"),
    /** The IPv4 header could not be read or is not IPv4. */
    INVALID_PACKET(134, "Invalid packet"),
    /** The L4 header could not be read. */
    CT_INVALID_HEADER(135, "CT: Truncated or invalid header"),
    /** IPv6 and anything that is neither IPv4 nor ARP. */
    UNSUPPORTED_L3_PROTOCOL(139, "Unsupported L3 protocol"),
    /** The connection-tracking entry of an allowed new flow could not be created: the CT map is full. */
    CT_MAP_INSERTION_FAILED(155, "CT: Map insertion failed"),
    /** A later fragment whose first fragment was not seen, in an enforced direction without a port-less allow. */
    FRAGMENT_NOT_FOUND(175, "First logical datagram fragment not found"),
    /** A DENY entry matched; deny wins over any allow. */
    POLICY_DENIED_BY_DENYLIST(181, "Policy denied by denylist"),
    /** A code this version does not know. */
    UNKNOWN(-1, "Unknown reason");

    /** Codes from here up are drops (Cilium's DropMin). */
    public static final int DROP_MIN = 130;

    private final int code;
    private final String description;

    DropReason(int code, String description) {
        this.code = code;
        this.description = description;
    }

    public int code() {
        return code;
    }

    public String description() {
        return description;
    }

    public boolean isDrop() {
        return code >= DROP_MIN;
    }

    public static DropReason of(int code) {
        for (DropReason r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        return UNKNOWN;
    }
}
