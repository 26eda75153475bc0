package io.nodus.bpf.libbpf;

import java.nio.charset.StandardCharsets;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Platform;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Loads libbpf ({@code libbpf.so.1}: the unversioned name exists only with libbpf-dev) and libc
 * once per JVM, installs the libbpf log bridge, and offers the small helpers every caller of
 * the binding needs: errno of the last call on this thread, error checks, native memory.
 * Thread-safe: everything here is immutable after class initialisation.
 */
public final class Native {
    private static final LibBpf LIBBPF =
            LibraryLoader.create(LibBpf.class).failImmediately().load("libbpf.so.1");
    private static final LibC LIBC = LibraryLoader.create(LibC.class).failImmediately()
            .load(Platform.getNativePlatform().getStandardCLibraryName());
    private static final Runtime RUNTIME = Runtime.getRuntime(LIBBPF);

    static {
        LibbpfLog.install(LIBBPF, LIBC);
    }

    private Native() {
    }

    public static LibBpf libbpf() {
        return LIBBPF;
    }

    public static LibC libc() {
        return LIBC;
    }

    public static Runtime runtime() {
        return RUNTIME;
    }

    /** errno saved by the last {@code @SaveError} call on this thread. */
    public static int lastErrno() {
        return LastError.getLastError(RUNTIME);
    }

    /** Returns {@code rc} when it is not negative, else throws with errno {@code -rc}. */
    public static int check(String operation, int rc) {
        if (rc < 0) {
            throw new BpfException(operation, -rc);
        }
        return rc;
    }

    /** Text for an errno, including libbpf's own codes (4000 and up). */
    public static String strerror(int errno) {
        byte[] buf = new byte[256];
        if (LIBBPF.libbpf_strerror(errno, buf, buf.length) < 0) {
            return LIBC.strerror(errno);
        }
        return cStringToJava(buf);
    }

    /** Zeroed native memory, freed when the returned pointer becomes unreachable. */
    public static Pointer allocate(int size) {
        return Memory.allocateDirect(RUNTIME, size, true);
    }

    /** A NUL-terminated UTF-8 copy of {@code s} in native memory. */
    public static Pointer cString(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        Pointer p = allocate(bytes.length + 1);
        p.put(0, bytes, 0, bytes.length);
        return p;
    }

    public static String cStringToJava(byte[] buf) {
        int len = 0;
        while (len < buf.length && buf[len] != 0) {
            len++;
        }
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }

    /** Number of possible CPUs, the stride count of per-CPU map values. */
    public static int possibleCpus() {
        return check("libbpf_num_possible_cpus", LIBBPF.libbpf_num_possible_cpus());
    }
}
