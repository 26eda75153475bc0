package io.nodus.bpf.tc;

/** A tc hook on an interface ({@code enum bpf_tc_attach_point}). */
public enum TcDirection {
    /** Packets the interface receives. */
    INGRESS(1),
    /** Packets the interface sends. */
    EGRESS(2);

    private final int attachPoint;

    TcDirection(int attachPoint) {
        this.attachPoint = attachPoint;
    }

    int attachPoint() {
        return attachPoint;
    }
}
