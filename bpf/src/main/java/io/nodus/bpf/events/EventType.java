package io.nodus.bpf.events;

/** {@code nodus_event.type}. */
public enum EventType {
    DROP(1),
    /** Reserved: the datapath does not emit it yet. */
    POLICY_VERDICT(2),
    /** Reserved: the datapath does not emit it yet. */
    TRACE(3),
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
