package io.nodus.bpf.maps;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;

/**
 * {@code nodus_ipcache}: LPM trie from IPv4 prefix to identity. The datapath looks up the remote
 * address of each new flow as a /32 and takes the longest matching prefix; a miss means WORLD.
 * Layout: {@code struct ipcache_key} and {@code struct ipcache_value} in {@code nodus_maps.h}.
 * Threading: stateless over the kernel map; safe from any thread.
 */
public final class IpCacheMap implements AutoCloseable {
    public static final MapShape SHAPE =
            new MapShape("nodus_ipcache", MapType.LPM_TRIE, "ipcache_key", 8, "ipcache_value", 16);

    private final BpfMap map;

    public IpCacheMap(BpfMap map) {
        this.map = SHAPE.check(map);
    }

    public static IpCacheMap openPinned(Path pinRoot) {
        return new IpCacheMap(BpfMap.openPinned(pinRoot.resolve(SHAPE.mapName())));
    }

    public BpfMap map() {
        return map;
    }

    public void put(Ipv4Prefix prefix, IpCacheEntry entry) {
        map.update(encodeKey(prefix), encodeValue(entry));
    }

    /** Returns false when the prefix was absent. */
    public boolean delete(Ipv4Prefix prefix) {
        return map.delete(encodeKey(prefix));
    }

    /** The entry of the longest prefix containing {@code address}, as the datapath sees it. */
    public Optional<IpCacheEntry> resolve(Inet4Address address) {
        return map.lookup(encodeKey(Ipv4Prefix.host(address))).map(IpCacheMap::decodeValue);
    }

    public Map<Ipv4Prefix, IpCacheEntry> entries() {
        Map<Ipv4Prefix, IpCacheEntry> out = new LinkedHashMap<>();
        for (byte[] key : map.keys()) {
            Ipv4Prefix prefix = decodeKey(key);
            // An exact-length lookup of a stored key returns that very entry.
            map.lookup(key).ifPresent(v -> out.put(prefix, decodeValue(v)));
        }
        return out;
    }

    static byte[] encodeKey(Ipv4Prefix prefix) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.keySize()).order(ByteOrder.nativeOrder());
        b.putInt(prefix.length());
        b.put(Ipv4.bytes(prefix.address()));
        return b.array();
    }

    static Ipv4Prefix decodeKey(byte[] key) {
        int length = ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).getInt(0);
        return new Ipv4Prefix(Ipv4.of(key, 4), length);
    }

    static byte[] encodeValue(IpCacheEntry entry) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.valueSize()).order(ByteOrder.nativeOrder());
        b.putInt(entry.identity());
        b.put(Ipv4.bytes(entry.tunnelEndpoint()));
        b.putInt(entry.flags());
        b.putInt(0);
        return b.array();
    }

    static IpCacheEntry decodeValue(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        return new IpCacheEntry(b.getInt(0), Ipv4.of(value, 4), b.getInt(8));
    }

    @Override
    public void close() {
        map.close();
    }
}
