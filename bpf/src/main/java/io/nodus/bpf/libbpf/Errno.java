package io.nodus.bpf.libbpf;

/** The errno values the binding reacts to (Linux, all architectures). */
public final class Errno {
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int E2BIG = 7;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    /** An LPM trie (or other no-prealloc map) is full. */
    public static final int ENOSPC = 28;
    public static final int EOPNOTSUPP = 95;
    /** Kernel-internal "operation not supported", which the bpf syscall leaks for batch ops. */
    public static final int ENOTSUPP = 524;

    private Errno() {
    }
}
