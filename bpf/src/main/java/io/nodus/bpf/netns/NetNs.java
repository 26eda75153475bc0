package io.nodus.bpf.netns;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import io.nodus.bpf.libbpf.BpfException;
import io.nodus.bpf.libbpf.LibC;
import io.nodus.bpf.libbpf.Native;

/**
 * Runs code inside a named network namespace ({@code /var/run/netns/NAME}, as made by
 * {@code ip netns add}).
 *
 * <p>Threading: {@code setns} changes only the calling thread, so every call gets a fresh
 * dedicated platform thread that enters the namespace, runs the task and restores its original
 * namespace in {@code finally} (virtual threads hop between carriers and must never do this). The
 * caller waits for the result. Sockets created by the task stay in the namespace for life and may
 * be used from any thread afterwards. Only the network namespace changes: the mount namespace, and
 * so the bpffs pins, stay visible (unlike {@code ip netns exec}, which remounts /sys).
 */
public final class NetNs {
    public static final Path NETNS_DIR = Path.of("/var/run/netns");

    private NetNs() {
    }

    /** The bind-mounted namespace file of {@code name}. */
    public static Path path(String name) {
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("bad namespace name: " + name);
        }
        return NETNS_DIR.resolve(name);
    }

    /** Runs {@code task} inside namespace {@code name} and returns its result or rethrows its exception. */
    public static <T> T call(String name, Callable<T> task) throws Exception {
        Path nsPath = path(name);
        FutureTask<T> future = new FutureTask<>(() -> runInside(nsPath, task));
        Thread thread = Thread.ofPlatform().name("netns-" + name).daemon().unstarted(future);
        thread.start();
        try {
            return future.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /** {@link #call} for tasks without a result. */
    public static void run(String name, ThrowingRunnable task) throws Exception {
        call(name, () -> {
            task.run();
            return null;
        });
    }

    /** The ifindex of interface {@code ifname} inside namespace {@code name}. */
    public static int ifindex(String name, String ifname) throws Exception {
        return call(name, () -> ifindex(ifname));
    }

    /** The ifindex of {@code ifname} in the calling thread's namespace. */
    public static int ifindex(String ifname) {
        int index = Native.libc().if_nametoindex(ifname);
        if (index == 0) {
            throw new BpfException("if_nametoindex " + ifname, Native.lastErrno());
        }
        return index;
    }

    private static <T> T runInside(Path nsPath, Callable<T> task) throws Exception {
        LibC libc = Native.libc();
        int original = open("/proc/thread-self/ns/net");
        try {
            int target = open(nsPath.toString());
            try {
                setns(target, nsPath.toString());
            } finally {
                libc.close(target);
            }
            try {
                return task.call();
            } finally {
                // The thread dies afterwards, but restore anyway: leaving it in a foreign
                // namespace would surprise any pool it might one day belong to.
                setns(original, "original namespace");
            }
        } finally {
            libc.close(original);
        }
    }

    private static int open(String path) {
        int fd = Native.libc().open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new BpfException("open " + path, Native.lastErrno());
        }
        return fd;
    }

    private static void setns(int fd, String what) {
        if (Native.libc().setns(fd, LibC.CLONE_NEWNET) != 0) {
            throw new BpfException("setns " + what, Native.lastErrno());
        }
    }

    /** A task that returns nothing and may throw. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
