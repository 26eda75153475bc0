package io.nodus.bpf.libbpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import jnr.ffi.Pointer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers, per pin root, the definition each pinned map was created with, as a SHA-256 of its
 * type, sizes, flags and (for a map-in-map) inner template, in a pinned hash map of its own
 * ({@value #MAP_NAME}: map name -> digest).
 *
 * <p>Why: libbpf refuses to reuse a pin whose definition changed ("parameter mismatch"), and it
 * cannot see a changed inner template at all, so a program would be verified against the old
 * inner layout. Before loading, every pin whose recorded definition differs from the object's
 * (or that has no record) is unlinked, so the load creates a new map; the old one lives on while
 * the old programs use it, and the agent refills the new one before it attaches the new
 * programs. Threading: called by {@link BpfObject#load} only; not thread-safe per pin root.
 */
public final class PinnedLayouts {
    /** Pin name of the layout record. */
    public static final String MAP_NAME = "nodus_layout";

    private static final Logger LOG = LoggerFactory.getLogger(PinnedLayouts.class);
    private static final int NAME_BYTES = 16;
    private static final int DIGEST_BYTES = 32;
    private static final int CAPACITY = 64;

    private PinnedLayouts() {
    }

    /** Digests of the definitions of the object's pinned maps, by map name (call before load). */
    static Map<String, byte[]> describe(LibBpf lib, Pointer object) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Pointer m = lib.bpf_object__next_map(object, null); m != null; m = lib.bpf_object__next_map(object, m)) {
            if (lib.bpf_map__pin_path(m) == null) {
                continue;
            }
            String text = definition(lib, m);
            Pointer inner = lib.bpf_map__inner_map(m);
            if (inner != null) {
                text += " inner(" + definition(lib, inner) + ")";
            }
            out.put(lib.bpf_map__name(m), sha256(text));
        }
        return out;
    }

    private static String definition(LibBpf lib, Pointer m) {
        return "type=" + lib.bpf_map__type(m) + " key=" + lib.bpf_map__key_size(m) + " value="
                + lib.bpf_map__value_size(m) + " max=" + lib.bpf_map__max_entries(m) + " flags="
                + lib.bpf_map__map_flags(m);
    }

    /**
     * Unlinks the pins under {@code pinRoot} whose recorded definition differs from {@code wanted}
     * (or is unknown); returns their names.
     */
    static Set<String> retireChanged(Path pinRoot, Map<String, byte[]> wanted) {
        Set<String> retired = new TreeSet<>();
        Path layoutPin = pinRoot.resolve(MAP_NAME);
        try (BpfMap layouts = Files.exists(layoutPin) ? BpfMap.openPinned(layoutPin) : null) {
            for (Map.Entry<String, byte[]> e : wanted.entrySet()) {
                Path pin = pinRoot.resolve(e.getKey());
                if (!Files.exists(pin)) {
                    continue;
                }
                Optional<byte[]> recorded = layouts == null ? Optional.empty() : layouts.lookup(nameKey(e.getKey()));
                if (recorded.isPresent() && Arrays.equals(recorded.get(), e.getValue())) {
                    continue;
                }
                Files.delete(pin);
                retired.add(e.getKey());
                LOG.warn("map={} pinRoot={} pinned map has a different definition; replacing it (its contents are rebuilt)",
                        e.getKey(), pinRoot);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replace stale pins under " + pinRoot, e);
        }
        return retired;
    }

    /** Records the definitions of the maps just loaded. */
    static void record(Path pinRoot, Map<String, byte[]> digests) {
        Path layoutPin = pinRoot.resolve(MAP_NAME);
        BpfMap layouts;
        if (Files.exists(layoutPin)) {
            layouts = BpfMap.openPinned(layoutPin);
        } else {
            layouts = BpfMap.create(MapType.HASH, NAME_BYTES, DIGEST_BYTES, CAPACITY, MAP_NAME);
            try {
                layouts.pin(layoutPin);
            } catch (RuntimeException e) {
                layouts.close();
                throw e;
            }
        }
        try (layouts) {
            digests.forEach((name, digest) -> layouts.update(nameKey(name), digest));
        }
    }

    private static byte[] nameKey(String name) {
        byte[] key = new byte[NAME_BYTES];
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(raw, 0, key, 0, Math.min(raw.length, NAME_BYTES - 1));
        return key;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
