package io.nodus.bpf.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;
import io.nodus.bpf.testing.Poll;

import org.junit.jupiter.api.Test;

/** Lifecycle of the ring-buffer reader (delivery is covered by the datapath tests). */
class EventReaderTest {

    @Test
    void closeStopsThePollThread() {
        try (BpfMap ring = BpfMap.create(MapType.RINGBUF, 0, 0, 4096, "t_ring")) {
            EventReader reader = EventReader.start(ring, e -> { });
            assertThat(readerThreadAlive()).isTrue();
            reader.close();
            assertThat(Poll.until(Duration.ofSeconds(2), () -> !readerThreadAlive())).isTrue();
            assertThat(reader.delivered()).isZero();
        }
    }

    @Test
    void refusesMapsThatAreNotRingBuffers() {
        try (BpfMap hash = BpfMap.create(MapType.HASH, 4, 4, 4, "t_notring")) {
            assertThatThrownBy(() -> EventReader.start(hash, e -> { })).hasMessageContaining("not a ring buffer");
        }
    }

    private static boolean readerThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("nodus-events") && t.isAlive());
    }
}
