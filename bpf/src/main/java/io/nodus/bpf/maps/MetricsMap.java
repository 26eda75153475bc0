package io.nodus.bpf.maps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.nodus.bpf.DropReason;
import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;

/**
 * {@code nodus_metrics}: per-CPU array of packet/byte counters indexed by {@code (reason << 1) |
 * direction}. The datapath counts every packet of a known endpoint: forwarded under reason 0,
 * drops under their reason, lost events under {@link DropReason#EVENT_LOST}. An array, so that
 * the packet path never inserts; reads sum the per-CPU slots and skip the zero counters.
 * Layout: {@code struct metrics_value}.
 * Threading: stateless over the kernel map; safe from any thread.
 */
public final class MetricsMap implements AutoCloseable {
    public static final MapShape SHAPE =
            new MapShape("nodus_metrics", MapType.PERCPU_ARRAY, null, 4, "metrics_value", 16);
    /** {@code NODUS_METRICS_MAX}: 256 reasons by 2 directions. */
    public static final int SLOTS = 512;

    private final BpfMap map;

    public MetricsMap(BpfMap map) {
        this.map = SHAPE.check(map);
    }

    public static MetricsMap openPinned(Path pinRoot) {
        return new MetricsMap(BpfMap.openPinned(pinRoot.resolve(SHAPE.mapName())));
    }

    public BpfMap map() {
        return map;
    }

    /** Every non-zero counter, summed over the CPUs. */
    public Map<MetricsKey, Counters> totals() {
        Map<MetricsKey, Counters> out = new LinkedHashMap<>();
        for (BpfMap.Entry e : map.entries()) {
            Counters c = sum(e.value());
            if (c.packets() > 0) {
                out.put(decodeKey(e.key()), c);
            }
        }
        return out;
    }

    public Counters get(DropReason reason, TrafficDirection direction) {
        return map.lookup(encodeKey(MetricsKey.of(reason, direction))).map(this::sum).orElse(Counters.ZERO);
    }

    private Counters sum(byte[] perCpu) {
        // One slot per possible CPU, each round_up(value_size, 8) bytes.
        int stride = (SHAPE.valueSize() + 7) & ~7;
        ByteBuffer b = ByteBuffer.wrap(perCpu).order(ByteOrder.nativeOrder());
        long packets = 0;
        long bytes = 0;
        for (int cpu = 0; cpu < map.possibleCpus(); cpu++) {
            packets += b.getLong(cpu * stride);
            bytes += b.getLong(cpu * stride + 8);
        }
        return new Counters(packets, bytes);
    }

    static byte[] encodeKey(MetricsKey key) {
        int index = (key.reasonCode() << 1) | key.direction().code();
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(index).array();
    }

    static MetricsKey decodeKey(byte[] key) {
        int index = ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).getInt(0);
        return new MetricsKey(index >>> 1, TrafficDirection.of(index & 1));
    }

    @Override
    public void close() {
        map.close();
    }
}
