package io.nodus.bpf.maps;

/** Test access to the package-private CT encoders, for tests that age entries by hand. */
public final class CtMapAccess {
    private CtMapAccess() {
    }

    public static byte[] key(CtKey key) {
        return CtMap.encodeKey(key);
    }

    public static byte[] value(CtValue value) {
        return CtMap.encodeValue(value);
    }
}
