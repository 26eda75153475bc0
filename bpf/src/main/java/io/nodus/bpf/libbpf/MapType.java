package io.nodus.bpf.libbpf;

/** {@code enum bpf_map_type} values Nodus creates or reads; anything else is {@link #OTHER}. */
public enum MapType {
    HASH(1),
    ARRAY(2),
    PERCPU_HASH(5),
    PERCPU_ARRAY(6),
    LRU_HASH(9),
    LRU_PERCPU_HASH(10),
    LPM_TRIE(11),
    ARRAY_OF_MAPS(12),
    HASH_OF_MAPS(13),
    RINGBUF(27),
    OTHER(-1);

    private final int code;

    MapType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Per-CPU maps read and write one value slot per possible CPU. */
    public boolean perCpu() {
        return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH;
    }

    public static MapType of(int code) {
        for (MapType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return OTHER;
    }
}
