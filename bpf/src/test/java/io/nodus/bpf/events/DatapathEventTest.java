package io.nodus.bpf.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import io.nodus.bpf.DropReason;
import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.maps.Ipv4;

import org.junit.jupiter.api.Test;

/** Decoding of {@code struct nodus_event} records. */
class DatapathEventTest {

    @Test
    void decodesADropRecordAsTheDatapathWritesIt() {
        ByteBuffer b = ByteBuffer.allocate(DatapathEvent.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 1).put((byte) 133).put((byte) 0).put((byte) 6);
        b.putInt(12).putInt(4242).putInt(4343);
        b.put(new byte[] {10, 77, 0, 20}).put(new byte[] {10, 77, 0, 10});
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) 40000).putShort((short) 8080);
        b.order(ByteOrder.LITTLE_ENDIAN).putInt(9).putLong(123456789L).putInt(74).putInt(0);

        DatapathEvent e = DatapathEvent.decode(b.array());
        assertThat(e.type()).isEqualTo(EventType.DROP);
        assertThat(e.reason()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(e.direction()).isEqualTo(TrafficDirection.INGRESS);
        assertThat(e.proto()).isEqualTo(6);
        assertThat(e.endpointId()).isEqualTo(12);
        assertThat(e.srcIdentity()).isEqualTo(4242);
        assertThat(e.dstIdentity()).isEqualTo(4343);
        assertThat(e.source()).isEqualTo(Ipv4.parse("10.77.0.20"));
        assertThat(e.destination()).isEqualTo(Ipv4.parse("10.77.0.10"));
        assertThat(e.sourcePort()).isEqualTo(40000);
        assertThat(e.destinationPort()).isEqualTo(8080);
        assertThat(e.ifindex()).isEqualTo(9);
        assertThat(e.ktimeNs()).isEqualTo(123456789L);
        assertThat(e.length()).isEqualTo(74);
    }

    @Test
    void rejectsShortRecords() {
        assertThatThrownBy(() -> DatapathEvent.decode(new byte[10])).hasMessageContaining("10 bytes");
    }
}
