package io.nodus.bpf.maps;

/** Packet and byte counters, summed over CPUs. */
public record Counters(long packets, long bytes) {
    public static final Counters ZERO = new Counters(0, 0);

    public Counters {
        if (packets < 0 || bytes < 0) {
            throw new IllegalArgumentException("counters must be >= 0");
        }
    }

    public Counters plus(Counters other) {
        return new Counters(packets + other.packets, bytes + other.bytes);
    }
}
