package io.nodus.bpf.libbpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;

/**
 * The few libc calls the binding needs: namespaces, interface indexes, errno text and the
 * {@code vsnprintf} that renders libbpf's log lines. All are per-thread where the kernel is
 * (setns, if_nametoindex resolve in the calling thread's network namespace).
 */
public interface LibC {

    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;
    int CLONE_NEWNET = 0x40000000;
    int CLOCK_MONOTONIC = 1;
    int CLOCK_MONOTONIC_COARSE = 6;

    @SaveError
    int open(String path, int flags);

    int close(int fd);

    @SaveError
    int setns(int fd, int nstype);

    @SaveError
    int if_nametoindex(String name);

    String strerror(int errno);

    int vsnprintf(@Out byte[] buf, @size_t long size, Pointer format, Pointer args);

    int clock_gettime(int clock, @Out long[] timespec);
}
