package io.nodus.agent.monitor;

import io.nodus.agent.datapath.EndpointStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * What the agent's local API shows and asks of the running agent. Implementations are
 * thread-safe: every request runs on its own thread.
 */
public interface AgentView {
  /** The /healthz document: ok, starting or degraded (with the reason), node, applied revision. */
  Map<String, Object> health();

  /**
   * The /v1/status document: the health fields, the log position the maps reflect and how the
   * agent stands with the control plane (following, stale, behind, unavailable; the operator's
   * sentence).
   */
  Map<String, Object> status();

  /** The datapath status of every local endpoint with maps. */
  Collection<EndpointStatus> endpoints();

  /** Waits until the maps reflect {@code revision}; the time its writes were done, or empty on timeout. */
  Optional<Instant> awaitRevision(long revision, Duration timeout) throws InterruptedException;

  /** Datapath events lost so far because the ring buffer was full. */
  long datapathEventsLost();

  /** Refreshes the metrics read from the datapath; called before /metrics is rendered. */
  void beforeScrape();

  /** Traces {@code endpoint} (every endpoint when null) until the returned handle is closed. */
  AutoCloseable requestTrace(String endpoint);
}
