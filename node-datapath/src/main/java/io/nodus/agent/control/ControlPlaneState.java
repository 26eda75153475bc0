package io.nodus.agent.control;

import io.nodus.bpf.maps.LogPosition;
import java.util.Objects;

/**
 * How the agent's watch stands with the control plane, as the last controller it tried left it.
 *
 * @param condition following, stale, behind or unavailable (or connecting, before any answer)
 * @param reason the machine-readable why: {@code other_cluster}, {@code behind}, the
 *     controller's code when unavailable ({@code storage_unavailable}, {@code replica_not_ready},
 *     {@code unavailable}, ...), empty otherwise
 * @param controller the controller concerned (empty while connecting)
 * @param controllerCluster the cluster that controller serves (empty when it did not say)
 * @param controllerRevision the revision it offered (-1 when unknown)
 * @param detail the controller's own message when unavailable, else empty
 * @param sinceMillis when this condition began, milliseconds since the epoch
 */
public record ControlPlaneState(Condition condition, String reason, String controller, String controllerCluster,
    long controllerRevision, String detail, long sinceMillis) {

  /** Where the watch stands. */
  public enum Condition {
    /** No controller answered yet. */
    CONNECTING,
    /** A controller continues the log the maps follow. */
    FOLLOWING,
    /** A controller offered a state the node must not follow; the maps stay as they are. */
    STALE,
    /** No controller could serve the watch; the maps stay as they are. */
    UNAVAILABLE;

    /** Lower case, for JSON and metric tags. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public ControlPlaneState {
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(controllerCluster, "controllerCluster");
    Objects.requireNonNull(detail, "detail");
  }

  static ControlPlaneState connecting(long nowMillis) {
    return new ControlPlaneState(Condition.CONNECTING, "", "", "", -1, "", nowMillis);
  }

  /** Whether this is an alarm: the node enforces what it has, but does not follow the log. */
  public boolean alarm() {
    return condition == Condition.STALE || condition == Condition.UNAVAILABLE;
  }

  /**
   * The operator's sentence, against what the maps reflect, e.g. "stale — controller X serves
   * cluster U2 at revision 12, this node applied revision 5000 of cluster U1".
   */
  public String describe(LogPosition applied) {
    String mine = "this node applied revision " + applied.revision() + " of cluster " + cluster(applied.clusterUuid());
    return switch (condition) {
      case CONNECTING -> "connecting";
      case FOLLOWING -> "following — controller " + controller + " continues the log of cluster " + cluster(controllerCluster);
      case STALE -> reason.equals("behind")
          ? "behind — controller " + controller + " is at revision " + controllerRevision + " of cluster " + cluster(controllerCluster)
              + ", " + mine
          : "stale — controller " + controller + " serves cluster " + cluster(controllerCluster) + " at revision " + controllerRevision
              + ", " + mine;
      case UNAVAILABLE -> "unavailable (" + reason + ") — controller " + controller + (detail.isEmpty() ? "" : ": " + detail)
          + "; " + mine;
    };
  }

  private static String cluster(String uuid) {
    return uuid.isEmpty() ? "(unnamed)" : uuid;
  }
}
