package io.nodus.raft.client;

/**
 * A controller offered a watch stream that the subscriber must not follow; nothing of it was
 * delivered.
 *
 * @param controller the controller's address
 * @param kind why the stream was refused
 * @param clusterUuid the cluster the controller serves (empty when it did not say)
 * @param revision the newest revision the controller offered
 * @param expectedClusterUuid the cluster the subscriber follows
 * @param appliedRevision the newest revision the subscriber holds
 */
public record StaleStream(String controller, Kind kind, String clusterUuid, long revision, String expectedClusterUuid,
    long appliedRevision) {

  /** Why a stream was refused. */
  public enum Kind {
    /** The controller serves another cluster's log (wiped and re-formed, or another cluster). */
    OTHER_CLUSTER,
    /** The controller's state is older than what the subscriber already applied. */
    BEHIND
  }

  /** For logs and status pages. */
  public String describe() {
    return switch (kind) {
      case OTHER_CLUSTER -> "controller " + controller + " serves cluster " + clusterUuid + ", not " + expectedClusterUuid
          + " whose log this node follows";
      case BEHIND -> "controller " + controller + " is at revision " + revision + ", behind revision " + appliedRevision
          + " that this node already applied";
    };
  }
}
