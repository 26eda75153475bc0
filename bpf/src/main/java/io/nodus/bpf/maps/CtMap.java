package io.nodus.bpf.maps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.LibC;
import io.nodus.bpf.libbpf.MapType;
import io.nodus.bpf.libbpf.Native;

/**
 * {@code nodus_ct}: hash of tracked connections. The datapath creates an entry for every allowed
 * new flow and refreshes it on each packet; expired entries are ignored by the datapath and
 * removed here with {@link #deleteExpired(long)} (the agent's CT garbage collector). The table is
 * not an LRU: when it is full, new flows are dropped as "CT: Map insertion failed" and counted,
 * rather than live connections being evicted silently.
 * Layout: {@code struct ct_key} and {@code struct ct_value}.
 * Threading: stateless over the kernel map; safe from any thread.
 */
public final class CtMap implements AutoCloseable {
    public static final MapShape SHAPE = new MapShape("nodus_ct", MapType.HASH, "ct_key", 16, "ct_value", 32);

    private final BpfMap map;

    public CtMap(BpfMap map) {
        this.map = SHAPE.check(map);
    }

    public static CtMap openPinned(Path pinRoot) {
        return new CtMap(BpfMap.openPinned(pinRoot.resolve(SHAPE.mapName())));
    }

    public BpfMap map() {
        return map;
    }

    /** Now on the datapath's CT clock, {@code bpf_ktime_get_coarse_ns()} (CLOCK_MONOTONIC_COARSE). */
    public static long kernelNowNs() {
        long[] ts = new long[2];
        if (Native.libc().clock_gettime(LibC.CLOCK_MONOTONIC_COARSE, ts) != 0) {
            throw new IllegalStateException("clock_gettime(CLOCK_MONOTONIC_COARSE) failed");
        }
        return ts[0] * 1_000_000_000L + ts[1];
    }

    public Map<CtKey, CtValue> entries() {
        Map<CtKey, CtValue> out = new LinkedHashMap<>();
        for (BpfMap.Entry e : map.entries()) {
            out.put(decodeKey(e.key()), decodeValue(e.value()));
        }
        return out;
    }

    /** How many entries the table can hold. */
    public int capacity() {
        return map.maxEntries();
    }

    public Optional<CtValue> lookup(CtKey key) {
        return map.lookup(encodeKey(key)).map(CtMap::decodeValue);
    }

    public boolean delete(CtKey key) {
        return map.delete(encodeKey(key));
    }

    /** What one garbage-collection pass saw and did. */
    public record GcResult(int scanned, int deleted) {
    }

    /**
     * Removes entries whose deadline passed before {@code nowNs}. An entry is looked up again just
     * before it is deleted, so a flow the datapath revived meanwhile keeps its entry (the window
     * left is one syscall wide, as in Cilium's GC).
     */
    public GcResult deleteExpired(long nowNs) {
        List<BpfMap.Entry> all = map.entries();
        int deleted = 0;
        for (BpfMap.Entry e : all) {
            if (!decodeValue(e.value()).expired(nowNs)) {
                continue;
            }
            Optional<byte[]> again = map.lookup(e.key());
            if (again.isPresent() && decodeValue(again.get()).expired(nowNs) && map.delete(e.key())) {
                deleted++;
            }
        }
        return new GcResult(all.size(), deleted);
    }

    static byte[] encodeKey(CtKey key) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.keySize()).order(ByteOrder.BIG_ENDIAN);
        b.put(Ipv4.bytes(key.source()));
        b.put(Ipv4.bytes(key.destination()));
        b.putShort((short) key.sourcePort());
        b.putShort((short) key.destinationPort());
        b.put((byte) key.proto());
        b.put((byte) key.direction().code());
        b.putShort((short) 0);
        return b.array();
    }

    static CtKey decodeKey(byte[] key) {
        ByteBuffer b = ByteBuffer.wrap(key).order(ByteOrder.BIG_ENDIAN);
        return new CtKey(Ipv4.of(key, 0), Ipv4.of(key, 4), b.getShort(8) & 0xffff, b.getShort(10) & 0xffff,
                key[12] & 0xff, TrafficDirection.of(key[13] & 0xff));
    }

    static byte[] encodeValue(CtValue value) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.valueSize()).order(ByteOrder.nativeOrder());
        b.putLong(value.expiresNs());
        b.putLong(value.packets());
        b.putLong(value.bytes());
        b.putInt(value.flags());
        b.putInt(0);
        return b.array();
    }

    static CtValue decodeValue(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        int flags = b.getInt(24);
        return new CtValue(b.getLong(0), b.getLong(8), b.getLong(16), (flags & CtValue.F_TCP_FIN) != 0,
                (flags & CtValue.F_TCP_RST) != 0, (flags & CtValue.F_SEEN_REPLY) != 0);
    }

    @Override
    public void close() {
        map.close();
    }
}
