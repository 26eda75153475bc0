package io.nodus.bpf.maps;

/**
 * A connection-tracking entry's state: its deadline on the kernel's monotonic clock (the entry
 * counts as absent after it), approximate counters over both directions, TCP teardown flags, and
 * whether the reverse direction has been seen (a TCP entry keeps its short SYN lifetime until then).
 */
public record CtValue(long expiresNs, long packets, long bytes, boolean finSeen, boolean rstSeen,
        boolean seenReply) {
    static final int F_TCP_FIN = 1;
    static final int F_TCP_RST = 2;
    static final int F_SEEN_REPLY = 4;

    /** An entry without teardown flags that has not seen a reply. */
    public CtValue(long expiresNs, long packets, long bytes, boolean finSeen, boolean rstSeen) {
        this(expiresNs, packets, bytes, finSeen, rstSeen, false);
    }

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
        return (finSeen ? F_TCP_FIN : 0) | (rstSeen ? F_TCP_RST : 0) | (seenReply ? F_SEEN_REPLY : 0);
    }
}
