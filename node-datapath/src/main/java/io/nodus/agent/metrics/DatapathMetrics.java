package io.nodus.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodus.bpf.DropReason;
import io.nodus.bpf.maps.Counters;
import io.nodus.bpf.maps.MetricsKey;
import io.nodus.bpf.maps.MetricsMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The datapath's own counters at the agent's {@code /metrics}: packets and bytes by reason
 * (forwarded, or the drop reason) and direction, read from the per-CPU metrics map, and the events
 * the datapath could not put into the full ring buffer. The map is read at most once per scrape:
 * {@link #refresh()} runs before the registry is rendered, and registers a series the first time
 * its (reason, direction) shows up.
 *
 * <p>Threading: {@link #refresh()} may race with itself from concurrent scrapes; each call
 * replaces the snapshot wholesale.
 */
public final class DatapathMetrics {
  private final MetricsMap map;
  private final MeterRegistry registry;
  private volatile Map<MetricsKey, Counters> snapshot = Map.of();
  private final Set<MetricsKey> registered = ConcurrentHashMap.newKeySet();

  public DatapathMetrics(MetricsMap map, MeterRegistry registry) {
    this.map = map;
    this.registry = registry;
    FunctionCounter.builder("nodus.datapath.events.lost", this, m -> m.lostEvents())
        .description("Datapath events dropped because the ring buffer was full").register(registry);
  }

  /** Reads the map and registers any new series; call before rendering the registry. */
  public void refresh() {
    Map<MetricsKey, Counters> now = map.totals();
    snapshot = now;
    for (MetricsKey k : now.keySet()) {
      if (k.reason() != DropReason.EVENT_LOST && registered.add(k)) {
        String reason = k.reason() == DropReason.UNKNOWN ? Integer.toString(k.reasonCode()) : k.reason().description();
        String dir = k.direction().name().toLowerCase(Locale.ROOT);
        String verdict = k.reasonCode() < DropReason.DROP_MIN ? "forwarded" : "dropped";
        FunctionCounter.builder("nodus.datapath.packets", this, m -> m.get(k).packets())
            .description("Packets the datapath forwarded or dropped, by reason and direction")
            .tag("verdict", verdict).tag("reason", reason).tag("direction", dir).register(registry);
        FunctionCounter.builder("nodus.datapath.bytes", this, m -> m.get(k).bytes())
            .description("Bytes the datapath forwarded or dropped, by reason and direction")
            .tag("verdict", verdict).tag("reason", reason).tag("direction", dir).register(registry);
      }
    }
  }

  private Counters get(MetricsKey k) {
    return snapshot.getOrDefault(k, Counters.ZERO);
  }

  private double lostEvents() {
    return snapshot.entrySet().stream().filter(e -> e.getKey().reason() == DropReason.EVENT_LOST)
        .mapToLong(e -> e.getValue().packets()).sum();
  }

  /** Events lost so far (from the last snapshot). */
  public long lost() {
    return (long) lostEvents();
  }

  /** A gauge helper so tests and other metrics can read the last snapshot. */
  public static void registerCtGauges(MeterRegistry registry, CtCollector collector) {
    Gauge.builder("nodus.agent.ct.entries", collector, c -> c.lastScanned())
        .description("Connection-tracking entries seen by the last collection").register(registry);
    Gauge.builder("nodus.agent.ct.capacity", collector, c -> c.capacity())
        .description("Connection-tracking entries the table can hold").register(registry);
  }
}
