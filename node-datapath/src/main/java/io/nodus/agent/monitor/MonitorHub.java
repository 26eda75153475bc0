package io.nodus.agent.monitor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodus.bpf.DropReason;
import io.nodus.bpf.events.DatapathEvent;
import io.nodus.bpf.events.EventType;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Turns datapath events into {@link MonitorRecord}s and hands each to every subscriber. A slow
 * subscriber never slows the event reader: its bounded queue drops the newest records and counts
 * them, and the subscriber is told how many it lost.
 *
 * <p>Threading: {@link #publish} is called by the event reader thread; subscribers drain their
 * queues on their own threads.
 */
public final class MonitorHub {
  private static final int QUEUE = 8192;

  private final Supplier<IdentityDirectory> directory;
  private final Clock clock;
  private final Set<Subscription> subscribers = new CopyOnWriteArraySet<>();
  private final MeterRegistry registry;

  public MonitorHub(Supplier<IdentityDirectory> directory, Clock clock, MeterRegistry registry) {
    this.directory = directory;
    this.clock = clock;
    this.registry = registry;
  }

  /** Called for every event read from the ring buffer. */
  public void publish(DatapathEvent e) {
    if (e.type() == EventType.DROP) {
      Counter.builder("nodus.agent.drops").description("Dropped packets reported by the datapath, by reason and direction")
          .tag("reason", e.reason().description()).tag("direction", e.direction().name().toLowerCase(Locale.ROOT))
          .register(registry).increment();
    }
    if (subscribers.isEmpty()) {
      return;
    }
    MonitorRecord r = toRecord(e, directory.get(), clock.millis());
    for (Subscription s : subscribers) {
      s.offer(r);
    }
  }

  static MonitorRecord toRecord(DatapathEvent e, IdentityDirectory dir, long now) {
    String protocol = switch (e.proto()) {
      case 6 -> "tcp";
      case 17 -> "udp";
      case 1 -> "icmp";
      case 132 -> "sctp";
      default -> Integer.toString(e.proto());
    };
    DropReason reason = e.reason();
    return new MonitorRecord(e.type().name().toLowerCase(Locale.ROOT), reason.description(), e.reasonCode(),
        e.direction().name().toLowerCase(Locale.ROOT), dir.endpointName(e.endpointId()), protocol,
        e.source().getHostAddress(), e.sourcePort(), e.srcIdentity(), dir.labels(e.srcIdentity()),
        e.destination().getHostAddress(), e.destinationPort(), e.dstIdentity(), dir.labels(e.dstIdentity()), now);
  }

  public Subscription subscribe() {
    Subscription s = new Subscription();
    subscribers.add(s);
    return s;
  }

  /** One subscriber's bounded queue of records. */
  public final class Subscription implements AutoCloseable {
    private final BlockingQueue<MonitorRecord> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong lost = new AtomicLong();

    void offer(MonitorRecord r) {
      if (!queue.offer(r)) {
        lost.incrementAndGet();
      }
    }

    /** The next record, waiting up to {@code millis}; null on timeout. */
    public MonitorRecord poll(long millis) throws InterruptedException {
      return queue.poll(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Records dropped because this subscriber fell behind, since the last call. */
    public long takeLost() {
      return lost.getAndSet(0);
    }

    @Override
    public void close() {
      subscribers.remove(this);
    }
  }
}
