package io.nodus.bpf.tc;

import java.lang.ref.Reference;
import java.util.Objects;
import java.util.OptionalInt;

import io.nodus.bpf.libbpf.BpfException;
import io.nodus.bpf.libbpf.Errno;
import io.nodus.bpf.libbpf.Native;
import io.nodus.bpf.libbpf.OptionStructs;

import jnr.ffi.Pointer;

/**
 * A direct-action BPF classifier slot on one interface's clsact hook, at a fixed handle and
 * priority, so there is exactly one Nodus program per (interface, direction). Attaching with
 * {@code BPF_TC_F_REPLACE} swaps the program atomically while traffic flows, which is how a
 * restarted agent takes over; the filter holds the program, so it outlives the process that
 * attached it.
 *
 * <p>Threading: tc speaks netlink in the calling thread's network namespace, and the ifindex is
 * only meaningful there: call from a thread inside the interface's namespace (see {@code NetNs}).
 */
public record TcAttachment(int ifindex, TcDirection direction) {
    public static final int HANDLE = 1;
    public static final int PRIORITY = 1;
    private static final int BPF_TC_F_REPLACE = 1;

    public TcAttachment {
        if (ifindex <= 0) {
            throw new IllegalArgumentException("ifindex must be > 0, was " + ifindex);
        }
        Objects.requireNonNull(direction, "direction");
    }

    /** Attaches (or atomically replaces) the program, creating the clsact qdisc when missing. */
    public void attach(int progFd) {
        Pointer hook = hook();
        Pointer opts = OptionStructs.tcOpts(progFd, BPF_TC_F_REPLACE, HANDLE, PRIORITY);
        try {
            int rc = Native.libbpf().bpf_tc_hook_create(hook);
            if (rc < 0 && rc != -Errno.EEXIST) {
                throw new BpfException("bpf_tc_hook_create ifindex=" + ifindex, -rc);
            }
            Native.check("bpf_tc_attach ifindex=" + ifindex + " " + direction,
                    Native.libbpf().bpf_tc_attach(hook, opts));
        } finally {
            // The structs are native memory freed once unreachable: keep them alive over the calls.
            Reference.reachabilityFence(hook);
            Reference.reachabilityFence(opts);
        }
    }

    /** Removes the program; returns false when none was attached. */
    public boolean detach() {
        Pointer hook = hook();
        Pointer opts = OptionStructs.tcOpts(0, 0, HANDLE, PRIORITY);
        int rc = Native.libbpf().bpf_tc_detach(hook, opts);
        Reference.reachabilityFence(hook);
        Reference.reachabilityFence(opts);
        if (rc == -Errno.ENOENT || rc == -Errno.EINVAL) {
            // Kernel 6.18: ENOENT when the qdisc has no such filter, EINVAL when there is no
            // clsact qdisc at all. A bad ifindex is ENODEV and is thrown.
            return false;
        }
        Native.check("bpf_tc_detach ifindex=" + ifindex + " " + direction, rc);
        return true;
    }

    /** Kernel id of the attached program, if any. */
    public OptionalInt attachedProgramId() {
        Pointer hook = hook();
        Pointer opts = OptionStructs.tcOpts(0, 0, HANDLE, PRIORITY);
        int rc = Native.libbpf().bpf_tc_query(hook, opts);
        Reference.reachabilityFence(hook);
        // Kernel 6.18 answers a query for a missing filter, or a missing qdisc, with EINVAL.
        if (rc == -Errno.ENOENT || rc == -Errno.EINVAL) {
            return OptionalInt.empty();
        }
        Native.check("bpf_tc_query ifindex=" + ifindex + " " + direction, rc);
        return OptionalInt.of(opts.getInt(OptionStructs.TC_OPTS_PROG_ID));
    }

    private Pointer hook() {
        return OptionStructs.tcHook(ifindex, direction.attachPoint());
    }
}
