package io.nodus.bpf.libbpf;

/**
 * A failed kernel or libbpf operation: which operation, the errno and its text. The one exception
 * type of the binding; unchecked because callers can rarely do more than report it.
 */
public final class BpfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;

    public BpfException(String operation, int errno) {
        this(operation, errno, null);
    }

    /** {@code detail}, when given, is appended (e.g. the tail of libbpf's log for a failed load). */
    public BpfException(String operation, int errno, String detail) {
        super(operation + " failed: " + Native.strerror(errno) + " (errno " + errno + ")"
                + (detail == null || detail.isBlank() ? "" : "\n" + detail));
        this.operation = operation;
        this.errno = errno;
    }

    public String operation() {
        return operation;
    }

    public int errno() {
        return errno;
    }
}
