package io.nodus.bpf.events;

import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

import io.nodus.bpf.DropReason;
import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.maps.Ipv4;

/**
 * One record of {@code nodus_events} ({@code struct nodus_event}), decoded: ports in host order,
 * addresses as {@link Inet4Address} (0.0.0.0 when the packet was not IPv4), both identities
 * (for egress the source is the endpoint, for ingress the destination is).
 */
public record DatapathEvent(EventType type, DropReason reason, int reasonCode, TrafficDirection direction,
        int proto, int endpointId, int srcIdentity, int dstIdentity, Inet4Address source,
        Inet4Address destination, int sourcePort, int destinationPort, int ifindex, long ktimeNs, int length) {

    /** {@code sizeof(struct nodus_event)}. */
    public static final int SIZE = 48;
    public static final String STRUCT = "nodus_event";

    public DatapathEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
    }

    /** Decodes one record; {@code data} must hold at least {@link #SIZE} bytes. */
    public static DatapathEvent decode(byte[] data) {
        if (data.length < SIZE) {
            throw new IllegalArgumentException("event of " + data.length + " bytes, expected " + SIZE);
        }
        ByteBuffer host = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
        ByteBuffer net = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        int reasonCode = data[1] & 0xff;
        return new DatapathEvent(
                EventType.of(data[0] & 0xff),
                DropReason.of(reasonCode),
                reasonCode,
                TrafficDirection.of(data[2] & 0xff),
                data[3] & 0xff,
                host.getInt(4),
                host.getInt(8),
                host.getInt(12),
                Ipv4.of(data, 16),
                Ipv4.of(data, 20),
                net.getShort(24) & 0xffff,
                net.getShort(26) & 0xffff,
                host.getInt(28),
                host.getLong(32),
                host.getInt(40));
    }
}
