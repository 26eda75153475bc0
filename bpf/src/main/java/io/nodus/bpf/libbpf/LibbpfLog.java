package io.nodus.bpf.libbpf;

import jnr.ffi.Pointer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridges libbpf's print callback to SLF4J at debug, and lets a caller capture libbpf's warnings
 * and notices on the current thread (the verifier log of a failed load is only ever printed there).
 *
 * <p>Threading: libbpf calls back on whichever thread called into it; capture is per thread.
 * The callback never throws into native code and is held in a static field for the life of the
 * JVM, since libbpf keeps the raw function pointer.
 */
final class LibbpfLog {
    private static final Logger LOG = LoggerFactory.getLogger("io.nodus.bpf.libbpf");
    private static final int MAX_CAPTURE = 64 * 1024;
    /** {@code LIBBPF_DEBUG}: chatty; logged but never captured. */
    private static final int LEVEL_DEBUG = 2;
    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();

    /** Strong reference: the native side holds only the function pointer. */
    private static LibBpf.PrintCallback callback;

    private LibbpfLog() {
    }

    static synchronized void install(LibBpf libbpf, LibC libc) {
        if (callback != null) {
            return;
        }
        callback = (level, format, args) -> {
            try {
                StringBuilder capture = level < LEVEL_DEBUG ? CAPTURE.get() : null;
                if (capture == null && !LOG.isDebugEnabled()) {
                    return 0; // nobody listens: skip rendering
                }
                byte[] buf = new byte[2048];
                // Renders the line in C; the va_list is consumed once, so one bounded attempt.
                libc.vsnprintf(buf, buf.length, format, args);
                String line = Native.cStringToJava(buf).stripTrailing();
                if (capture != null) {
                    capture.append(line).append('\n');
                    if (capture.length() > MAX_CAPTURE) {
                        capture.delete(0, capture.length() - MAX_CAPTURE / 2); // keep the tail
                    }
                }
                LOG.debug("level={} {}", level, line);
            } catch (Throwable t) {
                // Nothing may propagate into libbpf's stack frames.
            }
            return 0;
        };
        libbpf.libbpf_set_print(callback);
    }

    /** Starts capturing libbpf's output on this thread. */
    static void startCapture() {
        CAPTURE.set(new StringBuilder());
    }

    /** Stops capturing and returns the tail of what was said (at most {@code maxChars}). */
    static String stopCapture(int maxChars) {
        StringBuilder capture = CAPTURE.get();
        CAPTURE.remove();
        if (capture == null) {
            return "";
        }
        int from = Math.max(0, capture.length() - maxChars);
        return capture.substring(from);
    }
}
