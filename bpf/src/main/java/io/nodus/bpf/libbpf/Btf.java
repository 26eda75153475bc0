package io.nodus.bpf.libbpf;

import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;

import jnr.ffi.Pointer;

/**
 * BTF type information parsed from an ELF object (its {@code .BTF} section) or a raw BTF file,
 * used to check that Java layouts match the C structs the object was compiled with.
 * Not thread-safe; short-lived.
 */
public final class Btf implements AutoCloseable {
    /** {@code BTF_KIND_STRUCT}. */
    private static final int KIND_STRUCT = 4;

    private final Pointer btf;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Btf(Pointer btf) {
        this.btf = btf;
    }

    public static Btf parse(Path path) {
        Pointer btf = Native.libbpf().btf__parse(path.toString(), null);
        if (btf == null) {
            throw new BpfException("btf__parse " + path, Native.lastErrno());
        }
        return new Btf(btf);
    }

    /** Size in bytes of {@code struct name}, or empty when the BTF has no such struct. */
    public OptionalInt structSize(String name) {
        java.util.Objects.requireNonNull(name, "name"); // libbpf would dereference NULL
        int id = Native.libbpf().btf__find_by_name_kind(btf, name, KIND_STRUCT);
        if (id < 0) {
            return OptionalInt.empty();
        }
        Pointer type = Native.libbpf().btf__type_by_id(btf, id);
        if (type == null) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(type.getInt(OptionStructs.BTF_TYPE_SIZE_OFFSET));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Native.libbpf().btf__free(btf);
        }
    }
}
