package io.nodus.bpf.libbpf;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import jnr.ffi.Pointer;

/**
 * One kernel BPF map behind a file descriptor: raw byte-array keys and values, iteration, batch
 * writes, pinning. Typed wrappers (one class per map) sit on top and own the layouts.
 *
 * <p>A map either owns its fd (opened from a pin or created: {@link #close()} closes it) or
 * borrows it from a {@link BpfObject} (close is a no-op; the object closes it). Map operations
 * are single syscalls and safe from any thread; the kernel serialises them per element.
 */
public final class BpfMap implements AutoCloseable {
    public static final long BPF_ANY = 0;
    public static final long BPF_NOEXIST = 1;
    public static final long BPF_EXIST = 2;
    /** {@code BPF_F_NO_PREALLOC}: elements are allocated on insert (required by LPM tries). */
    public static final int F_NO_PREALLOC = 1;

    private static final int NAME_MAX = 15;

    private final int fd;
    private final boolean owned;
    private final MapType type;
    private final int id;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final int flags;
    private final String name;
    private final int possibleCpus;
    private final AtomicBoolean closed = new AtomicBoolean();

    private BpfMap(int fd, boolean owned) {
        this.fd = fd;
        this.owned = owned;
        byte[] info = new byte[OptionStructs.MAP_INFO_SIZE];
        int[] len = {info.length};
        Native.check("bpf_obj_get_info_by_fd(map)", Native.libbpf().bpf_obj_get_info_by_fd(fd, info, len));
        ByteBuffer b = ByteBuffer.wrap(info).order(ByteOrder.nativeOrder());
        this.type = MapType.of(b.getInt(OptionStructs.MAP_INFO_TYPE));
        this.id = b.getInt(OptionStructs.MAP_INFO_ID);
        this.keySize = b.getInt(OptionStructs.MAP_INFO_KEY_SIZE);
        this.valueSize = b.getInt(OptionStructs.MAP_INFO_VALUE_SIZE);
        this.maxEntries = b.getInt(OptionStructs.MAP_INFO_MAX_ENTRIES);
        this.flags = b.getInt(OptionStructs.MAP_INFO_MAP_FLAGS);
        this.name = Native.cStringToJava(Arrays.copyOfRange(info, OptionStructs.MAP_INFO_NAME,
                OptionStructs.MAP_INFO_NAME + 16));
        this.possibleCpus = type.perCpu() ? Native.possibleCpus() : 1;
    }

    /** Opens a pinned map; the returned map owns its fd. */
    public static BpfMap openPinned(Path pin) {
        int fd = Native.check("bpf_obj_get " + pin, Native.libbpf().bpf_obj_get(pin.toString()));
        return adopt(fd);
    }

    /** Opens a map by kernel id (e.g. an inner map id read from a map-in-map). */
    public static BpfMap openById(int id) {
        int fd = Native.check("bpf_map_get_fd_by_id " + id, Native.libbpf().bpf_map_get_fd_by_id(id));
        return adopt(fd);
    }

    public static BpfMap create(MapType type, int keySize, int valueSize, int maxEntries, String name) {
        return create(type, keySize, valueSize, maxEntries, 0, name);
    }

    /** Creates an unpinned map (e.g. an inner map); it lives while an fd, pin or outer map holds it. */
    public static BpfMap create(MapType type, int keySize, int valueSize, int maxEntries, int mapFlags,
            String name) {
        if (type == MapType.OTHER) {
            throw new IllegalArgumentException("cannot create a map of type OTHER");
        }
        String kernelName = name.length() > NAME_MAX ? name.substring(0, NAME_MAX) : name;
        Pointer opts = OptionStructs.mapCreateOpts(mapFlags);
        int rc = Native.libbpf().bpf_map_create(type.code(), kernelName, keySize, valueSize, maxEntries, opts);
        Reference.reachabilityFence(opts);
        return adopt(Native.check("bpf_map_create " + kernelName, rc));
    }

    /** Wraps an fd owned by someone else (a loaded object). */
    static BpfMap borrow(int fd) {
        return new BpfMap(fd, false);
    }

    private static BpfMap adopt(int fd) {
        try {
            return new BpfMap(fd, true);
        } catch (RuntimeException e) {
            Native.libc().close(fd);
            throw e;
        }
    }

    public int fd() {
        ensureOpen();
        return fd;
    }

    public MapType type() {
        return type;
    }

    /** Kernel map id (stable for the map's lifetime, shared by every fd and pin of it). */
    public int id() {
        return id;
    }

    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    public int flags() {
        return flags;
    }

    public String name() {
        return name;
    }

    /** Bytes of one value as user space sees it: per-CPU maps hold nCPU x round_up(size, 8). */
    public int valueBufferSize() {
        return type.perCpu() ? possibleCpus * ((valueSize + 7) & ~7) : valueSize;
    }

    public int possibleCpus() {
        return possibleCpus;
    }

    public Optional<byte[]> lookup(byte[] key) {
        checkKey(key);
        byte[] value = new byte[valueBufferSize()];
        int rc = Native.libbpf().bpf_map_lookup_elem(fd(), key, value);
        if (rc == -Errno.ENOENT) {
            return Optional.empty();
        }
        Native.check("bpf_map_lookup_elem " + name, rc);
        return Optional.of(value);
    }

    /** {@code flags}: {@link #BPF_ANY}, {@link #BPF_NOEXIST} or {@link #BPF_EXIST}. */
    public void update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        checkValue(value);
        Native.check("bpf_map_update_elem " + name, Native.libbpf().bpf_map_update_elem(fd(), key, value, flags));
    }

    public void update(byte[] key, byte[] value) {
        update(key, value, BPF_ANY);
    }

    /** Returns false when the key was absent. */
    public boolean delete(byte[] key) {
        checkKey(key);
        int rc = Native.libbpf().bpf_map_delete_elem(fd(), key);
        if (rc == -Errno.ENOENT) {
            return false;
        }
        Native.check("bpf_map_delete_elem " + name, rc);
        return true;
    }

    /**
     * All keys, walked with get_next_key. Concurrent deletes can restart a hash map walk from the
     * first key, so keys are de-duplicated and the walk is bounded by max_entries.
     */
    public List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        Set<ByteBuffer> seen = new HashSet<>();
        byte[] current = null;
        for (long steps = 0; steps <= (long) maxEntries * 2; steps++) {
            byte[] next = new byte[keySize];
            int rc = Native.libbpf().bpf_map_get_next_key(fd(), current, next);
            if (rc == -Errno.ENOENT) {
                break;
            }
            Native.check("bpf_map_get_next_key " + name, rc);
            if (seen.add(ByteBuffer.wrap(next))) {
                keys.add(next);
            }
            current = next;
        }
        return keys;
    }

    /** One key and its value, as raw bytes (a per-CPU value holds every CPU's slot). */
    public record Entry(byte[] key, byte[] value) {
    }

    /**
     * Every key with its value: batch lookups where the map type has them (hash, array), else a
     * get_next_key walk with one lookup per key. Not a snapshot: concurrent writers may be seen.
     */
    public List<Entry> entries() {
        Optional<List<Entry>> batched = lookupAllBatched();
        if (batched.isPresent()) {
            return batched.get();
        }
        List<Entry> out = new ArrayList<>();
        for (byte[] key : keys()) {
            lookup(key).ifPresent(v -> out.add(new Entry(key, v)));
        }
        return out;
    }

    private Optional<List<Entry>> lookupAllBatched() {
        int chunk = Math.max(1, Math.min(maxEntries, 4096));
        // The batch token is a bucket index for hashes and a key for arrays: room for either.
        byte[] in = null;
        byte[] out = new byte[Math.max(keySize, 8)];
        List<Entry> all = new ArrayList<>();
        while (true) {
            int stride = valueBufferSize();
            byte[] keys = new byte[chunk * keySize];
            byte[] values = new byte[chunk * stride];
            int[] count = {chunk};
            Pointer opts = OptionStructs.mapBatchOpts(0);
            int rc = Native.libbpf().bpf_map_lookup_batch(fd(), in, out, keys, values, count, opts);
            Reference.reachabilityFence(opts);
            if (rc == -Errno.ENOTSUPP || rc == -Errno.EOPNOTSUPP) {
                return Optional.empty();
            }
            if (rc == -Errno.ENOSPC) {
                // One hash bucket holds more elements than the chunk: retry this step with more room.
                chunk *= 2;
                continue;
            }
            if (rc < 0 && rc != -Errno.ENOENT) {
                throw new BpfException("bpf_map_lookup_batch " + name, -rc);
            }
            for (int i = 0; i < count[0]; i++) {
                all.add(new Entry(Arrays.copyOfRange(keys, i * keySize, (i + 1) * keySize),
                        Arrays.copyOfRange(values, i * stride, (i + 1) * stride)));
            }
            if (rc == -Errno.ENOENT) {
                return Optional.of(all);
            }
            in = out.clone();
        }
    }

    /** Number of elements, counted by walking the keys. */
    public int count() {
        return keys().size();
    }

    /**
     * Writes all pairs with {@code bpf_map_update_batch}, or one by one where the map type has no
     * batch support. Returns the number of elements written.
     */
    public int updateBatch(List<byte[]> keys, List<byte[]> values, long elemFlags) {
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException("keys and values differ in count");
        }
        if (keys.isEmpty()) {
            return 0;
        }
        if (type.perCpu()) {
            throw new IllegalArgumentException("batch update of per-CPU maps is not supported here");
        }
        byte[] flatKeys = flatten(keys, keySize);
        byte[] flatValues = flatten(values, valueSize);
        int[] count = {keys.size()};
        Pointer opts = OptionStructs.mapBatchOpts(elemFlags);
        int rc = Native.libbpf().bpf_map_update_batch(fd(), flatKeys, flatValues, count, opts);
        Reference.reachabilityFence(opts);
        if (rc == -Errno.ENOTSUPP || rc == -Errno.EOPNOTSUPP) {
            for (int i = 0; i < keys.size(); i++) {
                update(keys.get(i), values.get(i), elemFlags);
            }
            return keys.size();
        }
        if (rc < 0) {
            throw new BpfException("bpf_map_update_batch " + name + " (" + count[0] + " of " + keys.size()
                    + " written)", -rc);
        }
        return keys.size();
    }

    public int updateBatch(List<byte[]> keys, List<byte[]> values) {
        return updateBatch(keys, values, BPF_ANY);
    }

    /**
     * Deletes the keys with {@code bpf_map_delete_batch} (one by one where unsupported). Keys that
     * are already absent are skipped. Returns the number of elements deleted.
     */
    public int deleteBatch(List<byte[]> keys) {
        int deleted = 0;
        int from = 0;
        while (from < keys.size()) {
            List<byte[]> rest = keys.subList(from, keys.size());
            int[] count = {rest.size()};
            Pointer opts = OptionStructs.mapBatchOpts(0);
            int rc = Native.libbpf().bpf_map_delete_batch(fd(), flatten(rest, keySize), count, opts);
            Reference.reachabilityFence(opts);
            if (rc == -Errno.ENOTSUPP || rc == -Errno.EOPNOTSUPP) {
                for (byte[] key : rest) {
                    deleted += delete(key) ? 1 : 0;
                }
                return deleted;
            }
            if (rc == 0) {
                return deleted + rest.size();
            }
            if (rc != -Errno.ENOENT) {
                throw new BpfException("bpf_map_delete_batch " + name, -rc);
            }
            // The batch stops at the first absent key; count says how many went before it.
            deleted += count[0];
            from += count[0] + 1;
        }
        return deleted;
    }

    public void pin(Path path) {
        Native.check("bpf_obj_pin " + path, Native.libbpf().bpf_obj_pin(fd(), path.toString()));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && owned) {
            Native.libc().close(fd);
        }
    }

    @Override
    public String toString() {
        return "BpfMap[name=" + name + ", id=" + id + ", type=" + type + ", fd=" + fd + "]";
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("map " + name + " is closed");
        }
    }

    private void checkKey(byte[] key) {
        if (key.length != keySize) {
            throw new IllegalArgumentException("key of " + key.length + " bytes for map " + name
                    + " with key size " + keySize);
        }
    }

    private void checkValue(byte[] value) {
        if (value.length != valueBufferSize()) {
            throw new IllegalArgumentException("value of " + value.length + " bytes for map " + name
                    + " expecting " + valueBufferSize());
        }
    }

    private static byte[] flatten(List<byte[]> items, int size) {
        byte[] flat = new byte[items.size() * size];
        for (int i = 0; i < items.size(); i++) {
            byte[] item = items.get(i);
            if (item.length != size) {
                throw new IllegalArgumentException("element of " + item.length + " bytes, expected " + size);
            }
            System.arraycopy(item, 0, flat, i * size, size);
        }
        return flat;
    }
}
