package io.nodus.bpf.maps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;

/**
 * {@code nodus_endpoints}: hash from the host-side veth ifindex to the endpoint behind it. The tc
 * programs find their endpoint here; an ifindex that is absent passes traffic untouched.
 * Layout: {@code struct endpoint_key} and {@code struct endpoint_info}.
 * Threading: stateless over the kernel map; safe from any thread.
 */
public final class EndpointMap implements AutoCloseable {
    public static final MapShape SHAPE =
            new MapShape("nodus_endpoints", MapType.HASH, "endpoint_key", 4, "endpoint_info", 16);

    private final BpfMap map;

    public EndpointMap(BpfMap map) {
        this.map = SHAPE.check(map);
    }

    public static EndpointMap openPinned(Path pinRoot) {
        return new EndpointMap(BpfMap.openPinned(pinRoot.resolve(SHAPE.mapName())));
    }

    public BpfMap map() {
        return map;
    }

    public void put(int ifindex, EndpointInfo info) {
        map.update(encodeKey(ifindex), encodeValue(info));
    }

    public boolean delete(int ifindex) {
        return map.delete(encodeKey(ifindex));
    }

    public Optional<EndpointInfo> lookup(int ifindex) {
        return map.lookup(encodeKey(ifindex)).map(EndpointMap::decodeValue);
    }

    /** ifindex -> endpoint. */
    public Map<Integer, EndpointInfo> entries() {
        Map<Integer, EndpointInfo> out = new LinkedHashMap<>();
        for (BpfMap.Entry e : map.entries()) {
            out.put(ByteBuffer.wrap(e.key()).order(ByteOrder.nativeOrder()).getInt(0), decodeValue(e.value()));
        }
        return out;
    }

    static byte[] encodeKey(int ifindex) {
        if (ifindex <= 0) {
            throw new IllegalArgumentException("ifindex must be > 0, was " + ifindex);
        }
        return ByteBuffer.allocate(SHAPE.keySize()).order(ByteOrder.nativeOrder()).putInt(ifindex).array();
    }

    static byte[] encodeValue(EndpointInfo info) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.valueSize()).order(ByteOrder.nativeOrder());
        b.putInt(info.endpointId());
        b.putInt(info.identity());
        b.put(Ipv4.bytes(info.ipv4()));
        b.putInt(info.flags());
        return b.array();
    }

    static EndpointInfo decodeValue(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        int flags = b.getInt(12);
        return new EndpointInfo(b.getInt(0), b.getInt(4), Ipv4.of(value, 8),
                (flags & EndpointInfo.F_INGRESS_ENFORCED) != 0, (flags & EndpointInfo.F_EGRESS_ENFORCED) != 0,
                (flags & EndpointInfo.F_TRACE) != 0);
    }

    @Override
    public void close() {
        map.close();
    }
}
