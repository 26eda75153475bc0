package io.nodus.bpf.maps;

import java.util.Objects;

import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;

/**
 * What a typed map expects of the kernel map under it: type and key/value sizes, plus the names
 * of the C structs that define them (null for a plain integer; checked against the object's BTF by
 * a test). A mismatch at
 * open time is a broken invariant (e.g. a pin left by another version) and fails fast.
 */
public record MapShape(String mapName, MapType type, String keyStruct, int keySize, String valueStruct,
        int valueSize) {

    public MapShape {
        Objects.requireNonNull(mapName, "mapName");
        Objects.requireNonNull(type, "type");
        if (keySize <= 0 || valueSize < 0) {
            throw new IllegalArgumentException("bad sizes for " + mapName);
        }
    }

    /** Returns {@code map} when it has this shape, else throws naming both. */
    public BpfMap check(BpfMap map) {
        if (map.type() != type || map.keySize() != keySize || map.valueSize() != valueSize) {
            throw new IllegalStateException("map layout mismatch for " + mapName + ": expected " + type
                    + " key=" + keySize + " value=" + valueSize + ", kernel map " + map.name() + " is "
                    + map.type() + " key=" + map.keySize() + " value=" + map.valueSize());
        }
        return map;
    }
}
