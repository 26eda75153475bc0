package io.nodus.agent.monitor;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Who asked for trace events: monitor sessions that want traces of one endpoint or of every
 * endpoint. Tracing costs an event per forwarded packet, so it is on only while someone watches:
 * a session adds its request when it opens and removes it when it closes, and the agent's
 * reconciler turns the endpoint flags and the datapath-wide switch on and off to match.
 *
 * <p>Threading: thread-safe; {@code onChange} runs on the requesting thread.
 */
public final class TraceRequests {
  /** What is traced right now. */
  public record Snapshot(boolean all, Set<String> endpoints) {
    public Snapshot {
      endpoints = Set.copyOf(endpoints);
    }
  }

  private final Map<String, Integer> endpoints = new HashMap<>();
  private int all;
  private final Runnable onChange;

  public TraceRequests(Runnable onChange) {
    this.onChange = onChange;
  }

  /** Starts tracing {@code endpoint}, or every endpoint when it is null; close the handle to stop. */
  public AutoCloseable request(String endpoint) {
    synchronized (this) {
      if (endpoint == null) {
        all++;
      } else {
        endpoints.merge(endpoint, 1, Integer::sum);
      }
    }
    onChange.run();
    boolean[] done = {false};
    return () -> {
      synchronized (this) {
        if (done[0]) {
          return;
        }
        done[0] = true;
        if (endpoint == null) {
          all--;
        } else if (endpoints.merge(endpoint, -1, Integer::sum) <= 0) {
          endpoints.remove(endpoint);
        }
      }
      onChange.run();
    };
  }

  public synchronized Snapshot snapshot() {
    return new Snapshot(all > 0, endpoints.keySet());
  }
}
