package io.nodus.agent.monitor;

/**
 * Something the agent itself reports on the monitor stream, next to datapath events: for now an
 * endpoint whose maps do not (or again do) hold its latest policy, e.g. a policy map overflow.
 *
 * @param type always "agent"
 * @param subtype what happened: "endpoint-error" or "endpoint-recovered"
 * @param endpoint the endpoint concerned
 * @param message what it means for the endpoint
 * @param timeMillis wall-clock time of the notice
 */
public record AgentNotice(String type, String subtype, String endpoint, String message, long timeMillis) {
  public static AgentNotice of(String subtype, String endpoint, String message, long timeMillis) {
    return new AgentNotice("agent", subtype, endpoint, message, timeMillis);
  }
}
