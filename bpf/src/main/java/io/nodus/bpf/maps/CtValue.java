package io.nodus.bpf.maps;

/**
 * A connection-tracking entry's state: its deadline on the kernel's monotonic clock (the entry
 * counts as absent after it), counters over both directions, and TCP teardown flags.
 */
public record CtValue(long expiresNs, long packets, long bytes, boolean finSeen, boolean rstSeen) {
    static final int F_TCP_FIN = 1;
    static final int F_TCP_RST = 2;

    public CtValue {
        if (packets < 0 || bytes < 0) {
            throw new IllegalArgumentException("counters must be >= 0");
        }
    }

    /** {@code nowNs} from {@link CtMap#kernelNowNs()}. */
    public boolean expired(long nowNs) {
        return Long.compareUnsigned(expiresNs, nowNs) < 0;
    }

    int flags() {
        return (finSeen ? F_TCP_FIN : 0) | (rstSeen ? F_TCP_RST : 0);
    }
}
