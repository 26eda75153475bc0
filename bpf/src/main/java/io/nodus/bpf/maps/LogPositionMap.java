package io.nodus.bpf.maps;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;

/**
 * {@code nodus_log_pos}: an array of one {@code struct log_position}, the {@link LogPosition}
 * the node's maps reflect. No program reads it; the agent writes it once per pass that moved the
 * maps to a new revision and reads it on start. It is part of the datapath object so that it
 * shares the maps' pins, cleaner and lifetime (see {@code nodus_maps.h}). Threading: stateless
 * over the kernel map; the agent's reconciler is its only writer.
 */
public final class LogPositionMap implements AutoCloseable {
    public static final MapShape SHAPE =
            new MapShape("nodus_log_pos", MapType.ARRAY, null, 4, "log_position", 72);

    /** {@code LOG_POS_VERSION}: a value with version 0 was never written. */
    static final int VERSION = 1;
    private static final int CLUSTER_OFFSET = 24;
    private static final int CLUSTER_BYTES = 48;
    private static final byte[] KEY = new byte[4];

    private final BpfMap map;

    public LogPositionMap(BpfMap map) {
        this.map = SHAPE.check(map);
    }

    public BpfMap map() {
        return map;
    }

    /** The position written last; empty when none was (a new node, or maps rebuilt by an upgrade). */
    public Optional<LogPosition> read() {
        return map.lookup(KEY).flatMap(LogPositionMap::decode);
    }

    /** Replaces the position: one map update. */
    public void write(LogPosition position) {
        map.update(KEY, encode(position));
    }

    /** Forgets the position, as if nothing had been applied. */
    public void clear() {
        map.update(KEY, new byte[SHAPE.valueSize()]);
    }

    static byte[] encode(LogPosition p) {
        ByteBuffer b = ByteBuffer.allocate(SHAPE.valueSize()).order(ByteOrder.nativeOrder());
        b.putLong(p.revision());
        b.putLong(p.appliedAtMillis());
        b.putInt(VERSION);
        b.putInt(0);
        // The record admits at most CLUSTER_BYTES - 1 bytes: the string stays NUL-terminated.
        b.put(p.clusterUuid().getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    static Optional<LogPosition> decode(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.nativeOrder());
        int version = b.getInt(16);
        if (version == 0) {
            return Optional.empty();
        }
        if (version != VERSION) {
            // Written by another version of the agent: guessing could take the maps backwards.
            throw new IllegalStateException("nodus_log_pos holds a log position of version " + version
                    + ", this agent reads version " + VERSION);
        }
        int len = 0;
        while (len < CLUSTER_BYTES && v[CLUSTER_OFFSET + len] != 0) {
            len++;
        }
        String cluster = new String(v, CLUSTER_OFFSET, Math.min(len, LogPosition.MAX_CLUSTER_BYTES), StandardCharsets.US_ASCII);
        return Optional.of(new LogPosition(cluster, b.getLong(0), b.getLong(8)));
    }

    @Override
    public void close() {
        map.close();
    }
}
