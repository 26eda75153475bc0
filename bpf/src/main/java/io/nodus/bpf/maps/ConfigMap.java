package io.nodus.bpf.maps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;

import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;

/**
 * {@code nodus_config}: an array of one {@code struct datapath_config} that both programs read
 * for every packet. All zeros (a fresh map) means Cilium's default lifetimes, verdict events on
 * and tracing off. Threading: stateless over the kernel map; the agent is its only writer.
 */
public final class ConfigMap implements AutoCloseable {
    public static final MapShape SHAPE =
            new MapShape("nodus_config", MapType.ARRAY, null, 4, "datapath_config", 32);

    private static final int F_TRACE_ALL = 1;
    private static final int F_NO_VERDICTS = 2;
    private static final byte[] KEY = new byte[4];

    private final BpfMap map;

    public ConfigMap(BpfMap map) {
        this.map = SHAPE.check(map);
    }

    public static ConfigMap openPinned(Path pinRoot) {
        return new ConfigMap(BpfMap.openPinned(pinRoot.resolve(SHAPE.mapName())));
    }

    public BpfMap map() {
        return map;
    }

    public DatapathConfig get() {
        return map.lookup(KEY).map(ConfigMap::decode).orElse(DatapathConfig.DEFAULTS);
    }

    public void set(DatapathConfig config) {
        map.update(KEY, encode(config));
    }

    static byte[] encode(DatapathConfig c) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.valueSize()).order(ByteOrder.nativeOrder());
        b.putInt((c.traceAll() ? F_TRACE_ALL : 0) | (c.policyVerdicts() ? 0 : F_NO_VERDICTS));
        b.putInt((int) c.tcpLifetime().toSeconds());
        b.putInt((int) c.synLifetime().toSeconds());
        b.putInt((int) c.closeLifetime().toSeconds());
        b.putInt((int) c.otherLifetime().toSeconds());
        return b.array();
    }

    static DatapathConfig decode(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        int flags = b.getInt(0);
        DatapathConfig d = DatapathConfig.DEFAULTS;
        return new DatapathConfig((flags & F_TRACE_ALL) != 0, (flags & F_NO_VERDICTS) == 0,
                seconds(b.getInt(4), d.tcpLifetime()), seconds(b.getInt(8), d.synLifetime()),
                seconds(b.getInt(12), d.closeLifetime()), seconds(b.getInt(16), d.otherLifetime()));
    }

    private static Duration seconds(int s, Duration fallback) {
        return s == 0 ? fallback : Duration.ofSeconds(Integer.toUnsignedLong(s));
    }

    @Override
    public void close() {
        map.close();
    }
}
