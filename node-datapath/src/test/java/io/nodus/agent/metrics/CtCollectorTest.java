package io.nodus.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nodus.bpf.Datapath;
import io.nodus.bpf.DatapathSizes;
import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.maps.CtKey;
import io.nodus.bpf.maps.CtMap;
import io.nodus.bpf.maps.Ipv4;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The CT garbage collector on a real, pinned CT table: what it removes and what it counts. */
class CtCollectorTest {
  private final Path pins = Path.of("/sys/fs/bpf/nodus", "test-ctgc-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
  private Datapath datapath;

  @AfterEach
  void close() throws IOException {
    if (datapath != null) {
      datapath.close();
    }
    if (Files.exists(pins)) {
      try (Stream<Path> walk = Files.walk(pins)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** A raw entry: the same layout as {@code struct ct_key} / {@code struct ct_value}. */
  private void entry(int port, long expiresNs) {
    ByteBuffer k = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN);
    k.put(Ipv4.bytes(Ipv4.parse("10.0.0.1"))).put(Ipv4.bytes(Ipv4.parse("10.0.0.2"))).putShort((short) 40000)
        .putShort((short) port).put((byte) 17).put((byte) 1).putShort((short) 0);
    ByteBuffer v = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder()).putLong(expiresNs).putLong(1).putLong(60);
    datapath.conntrack().map().update(k.array(), v.array());
  }

  @Test
  void removesExpiredEntriesCountsThemAndReportsTheTable() {
    datapath = Datapath.open(pins, new DatapathSizes(128, 16));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    long now = CtMap.kernelNowNs();
    entry(53, now - 1_000_000_000L);
    entry(54, now - 1_000_000_000L);
    entry(80, now + 60_000_000_000L);
    try (CtCollector gc = new CtCollector(datapath.conntrack(), registry, Duration.ofHours(1))) {
      assertThat(gc.collect()).isEqualTo(2);
      assertThat(gc.collect()).isZero();
    }
    assertThat(datapath.conntrack().entries()).containsOnlyKeys(new CtKey(Ipv4.parse("10.0.0.1"), Ipv4.parse("10.0.0.2"),
        40000, 80, 17, TrafficDirection.EGRESS));
    assertThat(registry.get("nodus.agent.ct.gc.deleted").counter().count()).isEqualTo(2);
    assertThat(registry.get("nodus.agent.ct.gc.runs").counter().count()).isEqualTo(2);
    assertThat(registry.get("nodus.agent.ct.entries").gauge().value()).isEqualTo(1);
    assertThat(registry.get("nodus.agent.ct.capacity").gauge().value()).isEqualTo(128);
  }
}
