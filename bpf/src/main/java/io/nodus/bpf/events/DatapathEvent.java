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
 * (for egress the source is the endpoint, for ingress the destination is). {@code reasonCode} is
 * the drop reason of a drop, the observation point of a trace (0 to-endpoint, 5 from-endpoint)
 * and 0 for a verdict; {@code ctState} is 0 new, 1 established, 2 reply, 3 related.
 */
public record DatapathEvent(EventType type, DropReason reason, int reasonCode, TrafficDirection direction,
        int proto, int endpointId, int srcIdentity, int dstIdentity, Inet4Address source,
        Inet4Address destination, int sourcePort, int destinationPort, int ifindex, long ktimeNs, int length,
        int ctState, PolicyMatch match) {

    /** {@code sizeof(struct nodus_event)}. */
    public static final int SIZE = 56;
    public static final String STRUCT = "nodus_event";

    public DatapathEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(match, "match");
    }

    /** Decodes one record; {@code data} must hold at least {@link #SIZE} bytes. */
    public static DatapathEvent decode(byte[] data) {
        if (data.length < SIZE) {
            throw new IllegalArgumentException("event of " + data.length + " bytes, expected " + SIZE);
        }
        ByteBuffer host = ByteBuffer.wrap(data).order(ByteOrder.nativeOrder());
        ByteBuffer net = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN);
        EventType type = EventType.of(data[0] & 0xff);
        int reasonCode = data[1] & 0xff;
        PolicyMatch match = new PolicyMatch(PolicyMatch.Type.of(data[44] & 0xff), host.getInt(48),
                host.getShort(52) & 0xffff, host.getShort(54) & 0xffff, data[45] & 0xff);
        return new DatapathEvent(
                type,
                type == EventType.DROP ? DropReason.of(reasonCode) : DropReason.FORWARDED,
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
                host.getInt(40),
                data[46] & 0xff,
                match);
    }

    /** The remote identity: the destination of egress traffic, the source of ingress traffic. */
    public int remoteIdentity() {
        return direction == TrafficDirection.EGRESS ? dstIdentity : srcIdentity;
    }
}
