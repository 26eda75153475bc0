package io.nodus.bpf.libbpf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import jnr.ffi.Pointer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded BPF ELF object: its programs (by name, as fds) and maps (by name). Maps declared with
 * {@code LIBBPF_PIN_BY_NAME} are pinned under {@code pinRoot}: the first load creates and pins
 * them, later loads (an agent restart) reuse the pinned maps and their contents. A pinned map whose
 * definition changed would fail the load ("parameter mismatch") or, for a map-in-map whose inner
 * template changed, load with the old template: such pins are replaced first ({@link PinnedLayouts}).
 *
 * <p>Closing the object closes program and map fds; pins, and programs attached to tc, stay.
 * Threading: immutable after {@link #load}; lookups are safe from any thread.
 */
public final class BpfObject implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BpfObject.class);
    private static final int LOG_TAIL_CHARS = 6000;
    /** Verifier log buffer, used only when a load fails (kernel 6.4+ keeps the log's tail). */
    private static final int KERNEL_LOG_SIZE = 1 << 20;

    private final Pointer object;
    private final Path pinRoot;
    private final Map<String, Integer> programs;
    private final Map<String, BpfMap> maps;
    private final Set<String> replacedMaps;
    private final AtomicBoolean closed = new AtomicBoolean();

    private BpfObject(Pointer object, Path pinRoot, Map<String, Integer> programs, Map<String, BpfMap> maps,
            Set<String> replacedMaps) {
        this.object = object;
        this.pinRoot = pinRoot;
        this.programs = Collections.unmodifiableMap(programs);
        this.maps = Collections.unmodifiableMap(maps);
        this.replacedMaps = Set.copyOf(replacedMaps);
    }

    /**
     * Loads an object shipped as a classpath resource. libbpf wants a file, so the resource is
     * copied to a temporary file that is removed once the object is loaded.
     */
    public static BpfObject loadResource(String resource, Path pinRoot) {
        return loadResource(resource, pinRoot, Map.of());
    }

    /** As {@link #loadResource(String, Path)}, resizing the named maps before they are created. */
    public static BpfObject loadResource(String resource, Path pinRoot, Map<String, Integer> maxEntries) {
        Path tmp = null;
        try (InputStream in = BpfObject.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("BPF object resource not found: " + resource);
            }
            tmp = Files.createTempFile("nodus-bpf-", ".o");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return load(tmp, pinRoot, maxEntries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.warn("tmp={} could not delete temporary BPF object: {}", tmp, e.toString());
                }
            }
        }
    }

    /** Opens and loads {@code objectFile}, pinning by-name maps under {@code pinRoot} (created). */
    public static BpfObject load(Path objectFile, Path pinRoot) {
        return load(objectFile, pinRoot, Map.of());
    }

    /**
     * Opens {@code objectFile}, gives the maps named in {@code maxEntries} that many entries,
     * replaces pins whose map definition differs from this object's (see {@link PinnedLayouts}),
     * then loads the object, creating or reusing the pinned maps under {@code pinRoot}.
     */
    public static BpfObject load(Path objectFile, Path pinRoot, Map<String, Integer> maxEntries) {
        try {
            Files.createDirectories(pinRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create pin root " + pinRoot, e);
        }
        LibBpf lib = Native.libbpf();
        String objectName = objectFile.getFileName().toString().replaceFirst("\\.o$", "");
        Pointer kernelLog = Native.allocate(KERNEL_LOG_SIZE);
        OptionStructs.Holder opts = OptionStructs.objectOpenOpts(objectName, pinRoot.toString(), kernelLog,
                KERNEL_LOG_SIZE);
        LibbpfLog.startCapture();
        Pointer object;
        Set<String> replaced;
        try {
            object = lib.bpf_object__open_file(objectFile.toString(), opts.opts());
            if (object == null) {
                int errno = Native.lastErrno();
                throw new BpfException("bpf_object__open_file " + objectFile, errno,
                        LibbpfLog.stopCapture(LOG_TAIL_CHARS));
            }
            Map<String, byte[]> layouts;
            try {
                resize(lib, object, maxEntries);
                layouts = PinnedLayouts.describe(lib, object);
                replaced = PinnedLayouts.retireChanged(pinRoot, layouts);
            } catch (RuntimeException e) {
                lib.bpf_object__close(object);
                throw e;
            }
            int rc = lib.bpf_object__load(object);
            String libbpfSaid = LibbpfLog.stopCapture(LOG_TAIL_CHARS);
            if (rc < 0) {
                lib.bpf_object__close(object);
                String verifier = kernelLog.getString(0, KERNEL_LOG_SIZE, StandardCharsets.UTF_8);
                throw new BpfException("bpf_object__load " + objectFile + " pinRoot=" + pinRoot, -rc,
                        libbpfSaid + tail(verifier));
            }
            PinnedLayouts.record(pinRoot, layouts);
        } finally {
            LibbpfLog.stopCapture(0);
            // libbpf reads the strings and writes the log buffer during these calls only.
            Reference.reachabilityFence(opts);
        }

        Map<String, Integer> programs = new LinkedHashMap<>();
        for (Pointer p = lib.bpf_object__next_program(object, null); p != null;
                p = lib.bpf_object__next_program(object, p)) {
            programs.put(lib.bpf_program__name(p), lib.bpf_program__fd(p));
        }
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        try {
            for (Pointer m = lib.bpf_object__next_map(object, null); m != null; m = lib.bpf_object__next_map(object, m)) {
                maps.put(lib.bpf_map__name(m), BpfMap.borrow(lib.bpf_map__fd(m)));
            }
        } catch (RuntimeException e) {
            lib.bpf_object__close(object);
            throw e;
        }
        LOG.debug("object={} pinRoot={} programs={} maps={} replaced={}", objectName, pinRoot, programs.keySet(),
                maps.keySet(), replaced);
        return new BpfObject(object, pinRoot, programs, maps, replaced);
    }

    private static void resize(LibBpf lib, Pointer object, Map<String, Integer> maxEntries) {
        Set<String> unknown = new java.util.TreeSet<>(maxEntries.keySet());
        for (Pointer m = lib.bpf_object__next_map(object, null); m != null; m = lib.bpf_object__next_map(object, m)) {
            String name = lib.bpf_map__name(m);
            Integer size = maxEntries.get(name);
            if (size != null) {
                if (size <= 0) {
                    throw new IllegalArgumentException("max entries of " + name + " must be > 0, was " + size);
                }
                Native.check("bpf_map__set_max_entries " + name, lib.bpf_map__set_max_entries(m, size));
                unknown.remove(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("no such maps to resize: " + unknown);
        }
    }

    private static String tail(String log) {
        if (log.isEmpty()) {
            return "";
        }
        return "verifier log (tail):\n" + log.substring(Math.max(0, log.length() - LOG_TAIL_CHARS));
    }

    public Path pinRoot() {
        return pinRoot;
    }

    public Set<String> programNames() {
        return programs.keySet();
    }

    public Set<String> mapNames() {
        return maps.keySet();
    }

    /**
     * Pinned maps this load found with a different definition and replaced by new, empty ones
     * (the old maps live on while old programs still use them).
     */
    public Set<String> replacedMaps() {
        return replacedMaps;
    }

    /** The program's fd, valid until this object is closed. */
    public int programFd(String name) {
        ensureOpen();
        Integer fd = programs.get(name);
        if (fd == null) {
            throw new IllegalArgumentException("no program " + name + " in object; have " + programs.keySet());
        }
        return fd;
    }

    /** A view of the named map, valid until this object is closed (its close() does nothing). */
    public BpfMap map(String name) {
        ensureOpen();
        BpfMap map = maps.get(name);
        if (map == null) {
            throw new IllegalArgumentException("no map " + name + " in object; have " + maps.keySet());
        }
        return map;
    }

    /** Kernel id of the program behind {@code progFd} (what tc reports as attached). */
    public static int programId(int progFd) {
        byte[] info = new byte[OptionStructs.PROG_INFO_SIZE];
        int[] len = {info.length};
        Native.check("bpf_obj_get_info_by_fd(prog)", Native.libbpf().bpf_obj_get_info_by_fd(progFd, info, len));
        return ByteBuffer.wrap(info).order(ByteOrder.nativeOrder()).getInt(OptionStructs.PROG_INFO_ID);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            maps.values().forEach(BpfMap::close);
            Native.libbpf().bpf_object__close(object);
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("BPF object is closed");
        }
    }
}
