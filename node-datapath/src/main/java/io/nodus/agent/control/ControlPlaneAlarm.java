package io.nodus.agent.control;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodus.agent.control.ControlPlaneState.Condition;
import io.nodus.bpf.maps.LogPosition;
import io.nodus.raft.client.ControlPlaneException;
import io.nodus.raft.client.FollowedStream;
import io.nodus.raft.client.StaleStream;
import java.time.Clock;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a control plane the node cannot follow, from what its watch hears: a controller that
 * serves another cluster or a state behind the maps (stale), or none that can serve at all
 * (unavailable, with the controller's code such as {@code storage_unavailable}). The maps are
 * never touched for it; this class only makes the condition visible: a WARN log line (at most
 * one per condition and controller every {@value #LOG_EVERY_MILLIS} ms), metrics, and the state
 * the agent's API and {@code nodus datapath status} show. A stream that continues the log
 * clears the alarm, even when the log has nothing new.
 *
 * <p>A stale finding outlasts unavailability: while no controller continues the log, the last
 * controller found serving a foreign or older state is what the operator must hear about, not
 * the next one being unreachable.
 *
 * <p>Metrics: {@code nodus_agent_control_plane_stale{reason}} and
 * {@code nodus_agent_control_plane_unavailable} (0/1), {@code
 * nodus_agent_control_plane_refused_total{kind}} (streams refused),
 * {@code nodus_agent_control_plane_failures_total{code}} (streams a controller could not serve).
 *
 * <p>Threading: the watch calls it from gRPC threads, one call at a time; API and scrape threads
 * read {@link #state()}. Methods are synchronized; the state is an immutable record.
 */
public final class ControlPlaneAlarm {
  static final long LOG_EVERY_MILLIS = 30_000;
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneAlarm.class);

  private final Clock clock;
  private final MeterRegistry registry;
  private final Supplier<LogPosition> applied;
  private final Map<StaleStream.Kind, Counter> refused = new EnumMap<>(StaleStream.Kind.class);
  /** When each alarm (condition, reason, controller, cluster) was last logged. */
  private final Map<String, Long> logged = new HashMap<>();
  private volatile ControlPlaneState state;
  private long refusedTotal;
  private long failedTotal;
  private long warnings;

  public ControlPlaneAlarm(Clock clock, MeterRegistry registry, Supplier<LogPosition> applied) {
    this.clock = clock;
    this.registry = registry;
    this.applied = applied;
    this.state = ControlPlaneState.connecting(clock.millis());
    for (StaleStream.Kind kind : StaleStream.Kind.values()) {
      String reason = reason(kind);
      Gauge.builder("nodus.agent.control.plane.stale", this, a -> a.isStale(reason) ? 1 : 0).tag("reason", reason)
          .description("1 while the control plane offers a state this node must not follow (the maps stay as they are)")
          .register(registry);
      refused.put(kind, Counter.builder("nodus.agent.control.plane.refused").tag("kind", reason)
          .description("Watch streams refused: another cluster's, or behind what the maps reflect").register(registry));
    }
    Gauge.builder("nodus.agent.control.plane.unavailable", this, a -> a.state.condition() == Condition.UNAVAILABLE ? 1 : 0)
        .description("1 while no controller can serve this node's watch (the maps stay as they are)").register(registry);
  }

  public ControlPlaneState state() {
    return state;
  }

  /** Streams refused since the agent started. */
  public synchronized long refusedStreams() {
    return refusedTotal;
  }

  /** Streams a controller could not serve since the agent started. */
  public synchronized long failedStreams() {
    return failedTotal;
  }

  /** WARN lines written so far (tests check the rate limit). */
  synchronized long warningsLogged() {
    return warnings;
  }

  /** A controller continues the log: clears any alarm. */
  public synchronized void following(FollowedStream s) {
    ControlPlaneState before = state;
    if (before.alarm()) {
      LOG.info("control plane continues the log again controller={} cluster={} revision={} cleared={} reason={} alarm_seconds={}",
          s.controller(), s.clusterUuid(), s.revision(), before.condition().label(), before.reason(),
          (clock.millis() - before.sinceMillis()) / 1000);
      logged.clear();
    }
    long since = before.condition() == Condition.FOLLOWING && before.controller().equals(s.controller()) ? before.sinceMillis()
        : clock.millis();
    state = new ControlPlaneState(Condition.FOLLOWING, "", s.controller(), s.clusterUuid(), s.revision(), "", since);
  }

  /** A controller offered a state this node must not follow. */
  public synchronized void stale(StaleStream s) {
    refusedTotal++;
    refused.get(s.kind()).increment();
    String reason = reason(s.kind());
    ControlPlaneState next = new ControlPlaneState(Condition.STALE, reason, s.controller(), s.clusterUuid(), s.revision(), "",
        sinceFor(Condition.STALE, reason));
    state = next;
    LogPosition mine = applied.get();
    if (due(next)) {
      LOG.warn("control plane stale, keeping the maps reason={} controller={} controller_cluster={} controller_revision={} "
          + "applied_cluster={} applied_revision={} refused={} action=\"nodus agent --adopt-cluster {} follows that cluster on purpose\"",
          reason, s.controller(), s.clusterUuid(), s.revision(), mine.clusterUuid(), mine.revision(), refusedTotal,
          s.clusterUuid().isEmpty() ? "UUID" : s.clusterUuid());
    }
  }

  /** A controller could not serve the watch. */
  public synchronized void unavailable(String controller, ControlPlaneException cause) {
    failedTotal++;
    Counter.builder("nodus.agent.control.plane.failures").tag("code", cause.code())
        .description("Watch streams a controller could not serve, by the controller's code").register(registry).increment();
    ControlPlaneState before = state;
    ControlPlaneState next = new ControlPlaneState(Condition.UNAVAILABLE, cause.code(), controller, "", -1, message(cause),
        sinceFor(Condition.UNAVAILABLE, cause.code()));
    if (before.condition() != Condition.STALE) {
      state = next;
    }
    LogPosition mine = applied.get();
    if (due(next)) {
      LOG.warn("control plane unavailable, keeping the maps code={} controller={} applied_cluster={} applied_revision={} "
          + "still_stale={} detail=\"{}\"", cause.code(), controller, mine.clusterUuid(), mine.revision(),
          before.condition() == Condition.STALE, next.detail());
    }
  }

  private boolean isStale(String reason) {
    ControlPlaneState s = state;
    return s.condition() == Condition.STALE && s.reason().equals(reason);
  }

  /** An unchanged condition keeps the time it began. */
  private long sinceFor(Condition condition, String reason) {
    ControlPlaneState s = state;
    return s.condition() == condition && s.reason().equals(reason) ? s.sinceMillis() : clock.millis();
  }

  /** Whether this alarm was not logged in the last LOG_EVERY_MILLIS. */
  private boolean due(ControlPlaneState s) {
    String key = s.condition() + "/" + s.reason() + "/" + s.controller() + "/" + s.controllerCluster();
    long now = clock.millis();
    Long last = logged.get(key);
    if (last != null && now - last < LOG_EVERY_MILLIS) {
      return false;
    }
    logged.put(key, now);
    warnings++;
    return true;
  }

  private static String reason(StaleStream.Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT);
  }

  /** The controller's message without the client's reason prefix. */
  private static String message(ControlPlaneException e) {
    String m = String.valueOf(e.getMessage());
    String prefix = e.reason() + ": ";
    return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
  }
}
