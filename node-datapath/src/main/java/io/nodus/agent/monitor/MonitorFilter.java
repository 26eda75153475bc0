package io.nodus.agent.monitor;

import java.util.Set;

/**
 * Which records a monitor session wants: event types ("drop", "verdict", "trace", "agent"; empty
 * for all), one endpoint (by name; null for all) and one identity (on either side; 0 for any;
 * agent notices carry no identity and are then left out).
 *
 * @param types wanted types, empty for every type
 * @param endpoint wanted endpoint name, or null
 * @param identity wanted identity, or 0
 */
public record MonitorFilter(Set<String> types, String endpoint, int identity) {
  /** Every record. */
  public static final MonitorFilter ALL = new MonitorFilter(Set.of(), null, 0);
  /** The types a filter may name. */
  public static final Set<String> TYPES = Set.of("drop", "verdict", "trace", "agent");

  public MonitorFilter {
    types = Set.copyOf(types);
    for (String t : types) {
      if (!TYPES.contains(t)) {
        throw new IllegalArgumentException("type: unknown event type '" + t + "', expected one of drop, verdict, trace, agent");
      }
    }
    if (identity < 0) {
      throw new IllegalArgumentException("identity: must be >= 0, was " + identity);
    }
  }

  public boolean accepts(MonitorRecord r) {
    return (types.isEmpty() || types.contains(r.type()))
        && (endpoint == null || endpoint.equals(r.endpoint()))
        && (identity == 0 || identity == r.sourceIdentity() || identity == r.destinationIdentity());
  }

  public boolean accepts(AgentNotice n) {
    return (types.isEmpty() || types.contains(n.type())) && (endpoint == null || endpoint.equals(n.endpoint())) && identity == 0;
  }

  /** Whether the session asks for trace events (which are only produced while someone asks). */
  public boolean wantsTraces() {
    return types.contains("trace");
  }
}
