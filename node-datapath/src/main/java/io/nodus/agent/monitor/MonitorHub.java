package io.nodus.agent.monitor;

import io.nodus.bpf.events.DatapathEvent;
import io.nodus.bpf.events.EventType;
import io.nodus.bpf.events.PolicyMatch;
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

  public MonitorHub(Supplier<IdentityDirectory> directory, Clock clock) {
    this.directory = directory;
    this.clock = clock;
  }

  /** Called for every event read from the ring buffer. */
  public void publish(DatapathEvent e) {
    if (subscribers.isEmpty()) {
      return;
    }
    MonitorRecord r = toRecord(e, directory.get(), clock.millis());
    for (Subscription s : subscribers) {
      s.offer(r);
    }
  }

  private static final String[] CT_STATES = {"new", "established", "reply", "related"};

  static MonitorRecord toRecord(DatapathEvent e, IdentityDirectory dir, long now) {
    String protocol = switch (e.proto()) {
      case 6 -> "tcp";
      case 17 -> "udp";
      case 1 -> "icmp";
      case 132 -> "sctp";
      default -> Integer.toString(e.proto());
    };
    String type;
    String reason;
    if (e.type() == EventType.POLICY_VERDICT) {
      type = "verdict";
      reason = "allowed";
    } else if (e.type() == EventType.TRACE) {
      type = "trace";
      reason = e.reasonCode() == 5 ? "from-endpoint" : e.reasonCode() == 0 ? "to-endpoint" : "point-" + e.reasonCode();
    } else {
      type = e.type().name().toLowerCase(Locale.ROOT);
      reason = e.reason().description();
    }
    PolicyMatch m = e.match();
    String ports = m.port() == 0 ? "any" : m.port() == m.endPort() ? Integer.toString(m.port()) : m.port() + "-" + m.endPort();
    String ct = e.ctState() < CT_STATES.length ? CT_STATES[e.ctState()] : "unknown";
    return new MonitorRecord(type, reason, e.reasonCode(), e.direction().name().toLowerCase(Locale.ROOT),
        dir.endpointName(e.endpointId()), e.endpointId(), protocol,
        e.source().getHostAddress(), e.sourcePort(), e.srcIdentity(), dir.labels(e.srcIdentity()),
        e.destination().getHostAddress(), e.destinationPort(), e.dstIdentity(), dir.labels(e.dstIdentity()),
        ct, m.type().text(), m.identity(), ports, now);
  }

  /** Hands an agent notice to every subscriber that wants it. */
  public void notice(AgentNotice n) {
    for (Subscription s : subscribers) {
      s.offer(n);
    }
  }

  /** A subscription to every record. */
  public Subscription subscribe() {
    return subscribe(MonitorFilter.ALL);
  }

  /** A subscription to the records {@code filter} accepts. */
  public Subscription subscribe(MonitorFilter filter) {
    Subscription s = new Subscription(filter);
    subscribers.add(s);
    return s;
  }

  /** One subscriber's bounded queue of records. */
  public final class Subscription implements AutoCloseable {
    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong lost = new AtomicLong();
    private final MonitorFilter filter;

    Subscription(MonitorFilter filter) {
      this.filter = filter;
    }

    void offer(MonitorRecord r) {
      if (filter.accepts(r) && !queue.offer(r)) {
        lost.incrementAndGet();
      }
    }

    void offer(AgentNotice n) {
      if (filter.accepts(n) && !queue.offer(n)) {
        lost.incrementAndGet();
      }
    }

    /** The next record ({@link MonitorRecord} or {@link AgentNotice}), waiting up to {@code millis}; null on timeout. */
    public Object poll(long millis) throws InterruptedException {
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
