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
 * {@code nodus_metrics}: per-CPU hash of packet/byte counters by (reason, direction). The datapath
 * counts every packet of a known endpoint: forwarded under reason 0, drops under their reason,
 * lost events under {@link DropReason#EVENT_LOST}. Reads sum the per-CPU slots.
 * Layout: {@code struct metrics_key} and {@code struct metrics_value}.
 * Threading: stateless over the kernel map; safe from any thread.
 */
public final class MetricsMap implements AutoCloseable {
    public static final MapShape SHAPE =
            new MapShape("nodus_metrics", MapType.PERCPU_HASH, "metrics_key", 4, "metrics_value", 16);

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

    /** All counters, each summed over the CPUs. */
    public Map<MetricsKey, Counters> totals() {
        Map<MetricsKey, Counters> out = new LinkedHashMap<>();
        for (byte[] key : map.keys()) {
            map.lookup(key).ifPresent(v -> out.put(decodeKey(key), sum(v)));
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
        return new byte[] {(byte) key.reasonCode(), (byte) key.direction().code(), 0, 0};
    }

    static MetricsKey decodeKey(byte[] key) {
        return new MetricsKey(key[0] & 0xff, TrafficDirection.of(key[1] & 0xff));
    }

    @Override
    public void close() {
        map.close();
    }
}
