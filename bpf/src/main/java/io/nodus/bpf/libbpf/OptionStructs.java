package io.nodus.bpf.libbpf;

import jnr.ffi.Pointer;

/**
 * Layouts of the libbpf option structs Nodus fills by hand (x86_64, libbpf 1.1). Every struct
 * starts with {@code size_t sz}, which libbpf uses to tell which fields the caller knows, so a
 * struct filled here keeps working with a newer libbpf. A test compiles a C program against the
 * installed headers and checks every size and offset below.
 */
public final class OptionStructs {

    /** {@code struct bpf_object_open_opts}. */
    public static final int OBJECT_OPEN_OPTS_SIZE = 80;
    public static final int OBJECT_OPEN_OPTS_OBJECT_NAME = 8;
    public static final int OBJECT_OPEN_OPTS_PIN_ROOT_PATH = 24;
    public static final int OBJECT_OPEN_OPTS_KERNEL_LOG_BUF = 56;
    public static final int OBJECT_OPEN_OPTS_KERNEL_LOG_SIZE = 64;

    /** {@code struct bpf_map_create_opts}. */
    public static final int MAP_CREATE_OPTS_SIZE = 48;
    public static final int MAP_CREATE_OPTS_INNER_MAP_FD = 24;
    public static final int MAP_CREATE_OPTS_MAP_FLAGS = 28;

    /** {@code struct bpf_map_batch_opts}. */
    public static final int MAP_BATCH_OPTS_SIZE = 24;
    public static final int MAP_BATCH_OPTS_ELEM_FLAGS = 8;
    public static final int MAP_BATCH_OPTS_FLAGS = 16;

    /** {@code struct bpf_tc_hook}. */
    public static final int TC_HOOK_SIZE = 24;
    public static final int TC_HOOK_IFINDEX = 8;
    public static final int TC_HOOK_ATTACH_POINT = 12;
    public static final int TC_HOOK_PARENT = 16;

    /** {@code struct bpf_tc_opts}. */
    public static final int TC_OPTS_SIZE = 32;
    public static final int TC_OPTS_PROG_FD = 8;
    public static final int TC_OPTS_FLAGS = 12;
    public static final int TC_OPTS_PROG_ID = 16;
    public static final int TC_OPTS_HANDLE = 20;
    public static final int TC_OPTS_PRIORITY = 24;

    /** {@code struct bpf_map_info} (kernel uapi), as far as Nodus reads it. */
    public static final int MAP_INFO_SIZE = 88;
    public static final int MAP_INFO_TYPE = 0;
    public static final int MAP_INFO_ID = 4;
    public static final int MAP_INFO_KEY_SIZE = 8;
    public static final int MAP_INFO_VALUE_SIZE = 12;
    public static final int MAP_INFO_MAX_ENTRIES = 16;
    public static final int MAP_INFO_MAP_FLAGS = 20;
    public static final int MAP_INFO_NAME = 24;

    /** {@code struct bpf_prog_info} (kernel uapi), as far as Nodus reads it. */
    public static final int PROG_INFO_SIZE = 80;
    public static final int PROG_INFO_ID = 4;

    /** {@code struct btf_type}: {@code name_off}, {@code info}, then {@code size} of a struct. */
    public static final int BTF_TYPE_SIZE_OFFSET = 8;

    private OptionStructs() {
    }

    /**
     * Open options with {@code pin_root_path} set and a kernel log buffer: with log level 0, libbpf
     * loads without a verifier log and only on failure retries into this buffer (instead of
     * printing it). The holder keeps the strings' and buffer's memory reachable.
     */
    public static Holder objectOpenOpts(String objectName, String pinRootPath, Pointer kernelLog, int kernelLogSize) {
        Pointer opts = Native.allocate(OBJECT_OPEN_OPTS_SIZE);
        Pointer name = Native.cString(objectName);
        Pointer pinRoot = Native.cString(pinRootPath);
        opts.putLong(0, OBJECT_OPEN_OPTS_SIZE);
        opts.putPointer(OBJECT_OPEN_OPTS_OBJECT_NAME, name);
        opts.putPointer(OBJECT_OPEN_OPTS_PIN_ROOT_PATH, pinRoot);
        opts.putPointer(OBJECT_OPEN_OPTS_KERNEL_LOG_BUF, kernelLog);
        opts.putLong(OBJECT_OPEN_OPTS_KERNEL_LOG_SIZE, kernelLogSize);
        return new Holder(opts, name, pinRoot, kernelLog);
    }

    public static Pointer mapCreateOpts(int mapFlags) {
        Pointer opts = Native.allocate(MAP_CREATE_OPTS_SIZE);
        opts.putLong(0, MAP_CREATE_OPTS_SIZE);
        opts.putInt(MAP_CREATE_OPTS_MAP_FLAGS, mapFlags);
        return opts;
    }

    public static Pointer mapBatchOpts(long elemFlags) {
        Pointer opts = Native.allocate(MAP_BATCH_OPTS_SIZE);
        opts.putLong(0, MAP_BATCH_OPTS_SIZE);
        opts.putLong(MAP_BATCH_OPTS_ELEM_FLAGS, elemFlags);
        return opts;
    }

    public static Pointer tcHook(int ifindex, int attachPoint) {
        Pointer hook = Native.allocate(TC_HOOK_SIZE);
        hook.putLong(0, TC_HOOK_SIZE);
        hook.putInt(TC_HOOK_IFINDEX, ifindex);
        hook.putInt(TC_HOOK_ATTACH_POINT, attachPoint);
        return hook;
    }

    public static Pointer tcOpts(int progFd, int flags, int handle, int priority) {
        Pointer opts = Native.allocate(TC_OPTS_SIZE);
        opts.putLong(0, TC_OPTS_SIZE);
        opts.putInt(TC_OPTS_PROG_FD, progFd);
        opts.putInt(TC_OPTS_FLAGS, flags);
        opts.putInt(TC_OPTS_HANDLE, handle);
        opts.putInt(TC_OPTS_PRIORITY, priority);
        return opts;
    }

    /** An options struct plus the native memory its pointers refer to. */
    public record Holder(Pointer opts, Pointer... referenced) {
    }
}
