package io.nodus.bpf.events;

/** {@code nodus_event.type}, with Cilium's monitor message numbers. */
public enum EventType {
    /** A dropped packet, with its reason. */
    DROP(1),
    /** A forwarded packet of a traced endpoint (opt-in), with its observation point and CT state. */
    TRACE(4),
    /** An allowed new flow in an enforced direction, with the policy entry that allowed it. */
    POLICY_VERDICT(5),
    UNKNOWN(-1);

    private final int code;

    EventType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static EventType of(int code) {
        for (EventType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return UNKNOWN;
    }
}
