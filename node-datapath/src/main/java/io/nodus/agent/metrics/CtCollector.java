package io.nodus.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodus.bpf.maps.CtMap;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection-tracking garbage collector: every interval it removes the entries whose
 * lifetime passed (the datapath already ignores them, but they hold slots of a table that fails
 * new flows when full) and counts what it saw and removed.
 *
 * <p>Threading: one daemon thread of its own. The CT table is written by the datapath and by this
 * collector only; a flow revived between its read and its delete is re-checked (see
 * {@link CtMap#deleteExpired}).
 */
public final class CtCollector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CtCollector.class);

  private final CtMap ct;
  private final ScheduledExecutorService executor;
  private final Counter deleted;
  private final Counter runs;
  private volatile int lastScanned;

  public CtCollector(CtMap ct, MeterRegistry registry, Duration interval) {
    this.ct = ct;
    this.deleted = Counter.builder("nodus.agent.ct.gc.deleted").description("Expired connection-tracking entries removed")
        .register(registry);
    this.runs = Counter.builder("nodus.agent.ct.gc.runs").description("Connection-tracking collections").register(registry);
    DatapathMetrics.registerCtGauges(registry, this);
    this.executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("ct-gc").factory());
    executor.scheduleWithFixedDelay(this::collect, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One collection now; returns the entries removed. */
  public int collect() {
    try {
      CtMap.GcResult r = ct.deleteExpired(CtMap.kernelNowNs());
      lastScanned = r.scanned() - r.deleted();
      deleted.increment(r.deleted());
      runs.increment();
      if (r.deleted() > 0) {
        LOG.debug("ct gc scanned={} deleted={}", r.scanned(), r.deleted());
      }
      return r.deleted();
    } catch (RuntimeException e) {
      LOG.warn("ct gc failed error={}", e.toString());
      return 0;
    }
  }

  int lastScanned() {
    return lastScanned;
  }

  int capacity() {
    return ct.capacity();
  }

  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
