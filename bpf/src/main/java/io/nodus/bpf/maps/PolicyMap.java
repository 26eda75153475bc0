package io.nodus.bpf.maps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;

/**
 * One endpoint's policy map: an LPM trie, an inner map of {@code nodus_policy}, whose keys are
 * {@link PolicyKey}s (identity, direction, protocol, then a port prefix). The datapath looks a new
 * flow up with the remote identity and with "any identity"; each lookup yields the most specific
 * entry for that identity; a deny from either drops, else an allow from either passes. Contents
 * come from {@link PolicyMapContents}, which keeps them deny-consistent.
 * Layout: {@code struct policy_key} and {@code struct policy_value}.
 *
 * <p>Threading: stateless over the kernel map, but the agent's map syncer should be the only writer
 * of a given endpoint's map so that its diff against {@link #entries()} stays true.
 */
public final class PolicyMap implements AutoCloseable {
    public static final MapShape SHAPE =
            new MapShape("nodus_policy_<endpoint>", MapType.LPM_TRIE, "policy_key", 12, "policy_value", 8);
    /** The template's capacity in nodus_datapath.c; each endpoint's map may have its own. */
    public static final int DEFAULT_CAPACITY = 16384;
    /** The template's {@code BPF_F_NO_PREALLOC} (required by LPM tries; compared on insertion). */
    public static final int MAP_FLAGS = BpfMap.F_NO_PREALLOC;

    private final int endpointId;
    private final BpfMap map;

    PolicyMap(int endpointId, BpfMap map) {
        this.endpointId = endpointId;
        this.map = SHAPE.check(map);
    }

    public int endpointId() {
        return endpointId;
    }

    public BpfMap map() {
        return map;
    }

    /** How many entries the map can hold. */
    public int capacity() {
        return map.maxEntries();
    }

    public SortedMap<PolicyKey, PolicyValue> entries() {
        SortedMap<PolicyKey, PolicyValue> out = new TreeMap<>();
        for (BpfMap.Entry e : map.entries()) {
            out.put(decodeKey(e.key()), decodeValue(e.value()));
        }
        return out;
    }

    /** The entry stored under exactly {@code key}, if any. */
    public Optional<PolicyValue> lookup(PolicyKey key) {
        // An LPM lookup returns the longest stored prefix of the key: keep it only if it is the key.
        return map.lookup(encodeKey(key)).filter(v -> (v[1] & 0xff) == key.prefixLength())
                .map(PolicyMap::decodeValue);
    }

    /**
     * Writes exactly the given difference: first the puts, then the deletes, so that a flow
     * allowed by both the old and the new contents is never dropped in between. Deleting an
     * absent key is not an error. Returns the number of entries written or deleted. The caller
     * keeps the map within {@link #capacity()} (old and new entries together; see
     * {@link PolicyMaps#replace} for a change that does not fit).
     */
    public int apply(Map<PolicyKey, PolicyValue> toPut, Collection<PolicyKey> toDelete) {
        for (PolicyKey k : toDelete) {
            if (toPut.containsKey(k)) {
                throw new IllegalArgumentException("key both put and deleted: " + k);
            }
        }
        List<byte[]> keys = new ArrayList<>(toPut.size());
        List<byte[]> values = new ArrayList<>(toPut.size());
        toPut.forEach((k, v) -> {
            keys.add(encodeKey(k));
            values.add(encodeValue(k, v));
        });
        int written = map.updateBatch(keys, values);
        List<byte[]> deleteKeys = new ArrayList<>(toDelete.size());
        toDelete.forEach(k -> deleteKeys.add(encodeKey(k)));
        return written + map.deleteBatch(deleteKeys);
    }

    static byte[] encodeKey(PolicyKey key) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.keySize()).order(ByteOrder.nativeOrder());
        b.putInt(key.prefixLength());
        b.putInt(key.identity());
        b.put((byte) key.direction().code());
        b.put((byte) key.proto());
        // Port in network order, as in the packet, so that its high bits are the trie's next bits.
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) key.port());
        return b.array();
    }

    static PolicyKey decodeKey(byte[] key) {
        ByteBuffer b = ByteBuffer.wrap(key).order(ByteOrder.nativeOrder());
        int prefix = b.getInt(0);
        int identity = b.getInt(4);
        TrafficDirection dir = TrafficDirection.of(key[8] & 0xff);
        int proto = key[9] & 0xff;
        int port = ByteBuffer.wrap(key).order(ByteOrder.BIG_ENDIAN).getShort(10) & 0xffff;
        if (prefix <= PolicyKey.PREFIX_L3) {
            return new PolicyKey(identity, dir, PolicyKey.ANY_PROTO, 0, 0);
        }
        int bits = prefix - PolicyKey.PREFIX_PROTO;
        return new PolicyKey(identity, dir, proto, port & PolicyKey.mask(bits), bits);
    }

    static byte[] encodeValue(PolicyKey key, PolicyValue value) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.valueSize()).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) (value.deny() ? PolicyValue.F_DENY : 0));
        b.put((byte) key.prefixLength());
        b.putShort((short) value.proxyPort());
        b.order(ByteOrder.nativeOrder());
        b.putShort((short) value.rulePort());
        b.putShort((short) value.ruleEndPort());
        return b.array();
    }

    static PolicyValue decodeValue(byte[] value) {
        int proxyPort = ByteBuffer.wrap(value).order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
        ByteBuffer host = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        return new PolicyValue((value[0] & PolicyValue.F_DENY) != 0, proxyPort, host.getShort(4) & 0xffff,
                host.getShort(6) & 0xffff);
    }

    @Override
    public void close() {
        map.close();
    }
}
