package io.nodus.bpf.maps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;

/**
 * One endpoint's policy map (an inner map of {@code nodus_policy}). The datapath probes it for a
 * new flow from the most to the least specific key: (id,port,proto), (id,0,proto), (id,0,0),
 * (0,port,proto), (0,0,proto), (0,0,0); any DENY match drops, else any match allows.
 * Layout: {@code struct policy_key} and {@code struct policy_value}.
 *
 * <p>Threading: stateless over the kernel map, but the agent's map syncer should be the only writer
 * of a given endpoint's map so that its diff against {@link #entries()} stays true.
 */
public final class PolicyMap implements AutoCloseable {
    public static final MapShape SHAPE =
            new MapShape("nodus_policy_<endpoint>", MapType.HASH, "policy_key", 8, "policy_value", 8);
    /** Must equal the template in nodus_datapath.c: the kernel compares them on insertion. */
    public static final int MAX_ENTRIES = 16384;
    /** The template's {@code BPF_F_NO_PREALLOC}. */
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

    public Map<PolicyKey, PolicyValue> entries() {
        Map<PolicyKey, PolicyValue> out = new LinkedHashMap<>();
        for (byte[] key : map.keys()) {
            map.lookup(key).ifPresent(v -> out.put(decodeKey(key), decodeValue(v)));
        }
        return out;
    }

    public Optional<PolicyValue> lookup(PolicyKey key) {
        return map.lookup(encodeKey(key)).map(PolicyMap::decodeValue);
    }

    /**
     * Writes exactly the given difference with batch operations: first the puts, then the deletes,
     * so that a flow allowed by both the old and the new policy is never dropped in between.
     * Deleting an absent key is not an error. Returns the number of entries written or deleted.
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
            values.add(encodeValue(v));
        });
        int written = map.updateBatch(keys, values);
        List<byte[]> deleteKeys = new ArrayList<>(toDelete.size());
        toDelete.forEach(k -> deleteKeys.add(encodeKey(k)));
        return written + map.deleteBatch(deleteKeys);
    }

    static byte[] encodeKey(PolicyKey key) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.keySize()).order(ByteOrder.nativeOrder());
        b.putInt(key.identity());
        // Port in network order, as in the packet.
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) key.port());
        b.put((byte) key.proto());
        b.put((byte) key.direction().code());
        return b.array();
    }

    static PolicyKey decodeKey(byte[] key) {
        ByteBuffer b = ByteBuffer.wrap(key).order(ByteOrder.nativeOrder());
        int identity = b.getInt(0);
        int port = ByteBuffer.wrap(key).order(ByteOrder.BIG_ENDIAN).getShort(4) & 0xffff;
        return new PolicyKey(identity, port, key[6] & 0xff, TrafficDirection.of(key[7] & 0xff));
    }

    static byte[] encodeValue(PolicyValue value) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.valueSize()).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) (value.deny() ? PolicyValue.F_DENY : 0));
        b.put((byte) 0);
        b.putShort((short) value.proxyPort());
        b.putInt(0);
        return b.array();
    }

    static PolicyValue decodeValue(byte[] value) {
        int proxyPort = ByteBuffer.wrap(value).order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
        return new PolicyValue((value[0] & PolicyValue.F_DENY) != 0, proxyPort);
    }

    @Override
    public void close() {
        map.close();
    }
}
