package io.nodus.agent.control;

import io.nodus.bpf.maps.LogPosition;
import io.nodus.bpf.maps.LogPositionMap;
import io.nodus.raft.client.WatchStart;
import io.nodus.state.proto.ClusterState;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log this node's maps follow and how far they reflect it, remembered in the pinned
 * {@code nodus_log_pos} so that it lives exactly as long as the maps (see
 * {@link LogPositionMap}). The agent watches with {@link #watchStart()}: the watch then never
 * delivers a snapshot older than the maps or of another cluster, and a controller that offers
 * one (wiped, restored from an old backup, another cluster at the same address) leaves the
 * maps as they are. {@link #refusal} checks each snapshot once more before it is applied, in
 * case the watch ever failed to.
 *
 * <p>The cluster followed changes only through {@link #adopt}, the operator's explicit action;
 * a node that never followed one learns it from the first snapshot it applies.
 *
 * <p>Threading: the agent's reconciler thread is the only writer ({@link #adopt} runs before it
 * starts); {@link #position()} may be read from any thread.
 */
public final class FollowedLog {
  private static final Logger LOG = LoggerFactory.getLogger(FollowedLog.class);

  private final LogPositionMap map;
  private volatile LogPosition position;

  private FollowedLog(LogPositionMap map, LogPosition position) {
    this.map = map;
    this.position = position;
  }

  /** The position remembered with the maps under the map's pin root; {@link LogPosition#NONE} on a new node. */
  public static FollowedLog open(LogPositionMap map) {
    return new FollowedLog(map, map.read().orElse(LogPosition.NONE));
  }

  public LogPosition position() {
    return position;
  }

  /** Where the agent's watch starts: a snapshot first, no older than the maps, of their cluster. */
  public WatchStart watchStart() {
    LogPosition p = position;
    return new WatchStart(0, p.revision(), p.clusterUuid());
  }

  /**
   * Follows {@code clusterUuid} from now on, on the operator's explicit request: the next
   * snapshot of that cluster is applied whatever its revision, and replaces every map entry.
   * Nothing changes when the maps already follow it. Returns the position forgotten, if any.
   */
  public Optional<LogPosition> adopt(String clusterUuid) {
    LogPosition before = position;
    if (clusterUuid.equals(before.clusterUuid())) {
      LOG.info("already following cluster={} revision={}; --adopt-cluster changes nothing", clusterUuid, before.revision());
      return Optional.empty();
    }
    LogPosition adopted = new LogPosition(clusterUuid, 0, 0);
    // Written before the watch starts: an agent that dies now still follows the cluster adopted.
    map.write(adopted);
    position = adopted;
    LOG.warn("adopting cluster={} on the operator's request, forgetting cluster={} revision={}; its first snapshot replaces "
        + "every map entry", clusterUuid, before.clusterUuid().isEmpty() ? "(none)" : before.clusterUuid(), before.revision());
    return Optional.of(before);
  }

  /**
   * Why {@code snapshot} must not be applied (another cluster's, or older than the maps), or
   * empty when it continues the log. The watch already refuses such snapshots; this is the last
   * guard before a snapshot recomputes every map entry.
   */
  public Optional<String> refusal(ClusterState snapshot) {
    LogPosition p = position;
    String cluster = snapshot.getClusterUuid();
    if (!cluster.isEmpty() && !p.clusterUuid().isEmpty() && !cluster.equals(p.clusterUuid())) {
      return Optional.of("snapshot of cluster " + cluster + " at revision " + snapshot.getRevision() + ", but the maps follow cluster "
          + p.clusterUuid() + " (revision " + p.revision() + ")");
    }
    if (snapshot.getRevision() < p.revision()) {
      return Optional.of("snapshot at revision " + snapshot.getRevision() + " of cluster " + (cluster.isEmpty() ? "(unnamed)" : cluster)
          + " is older than revision " + p.revision() + " that the maps reflect");
    }
    return Optional.empty();
  }

  /**
   * The maps now reflect {@code revision} of {@code clusterUuid} (empty: the one followed, or
   * still unknown), written at {@code atMillis}: remembers it with one map update, or none when
   * neither moved. Called after the pass, so what is remembered never claims more than the maps
   * hold; an agent that dies mid-pass can at worst accept again a snapshot of that one batch.
   */
  public void applied(String clusterUuid, long revision, long atMillis) {
    LogPosition p = position;
    String cluster = p.clusterUuid().isEmpty() ? clusterUuid : p.clusterUuid();
    if (!clusterUuid.isEmpty() && !clusterUuid.equals(cluster)) {
      // The reconciler applies only what refusal() let through: a broken invariant.
      throw new IllegalStateException("maps written for cluster " + clusterUuid + " while following cluster " + cluster);
    }
    if (revision < p.revision() || (revision == p.revision() && cluster.equals(p.clusterUuid()))) {
      return;
    }
    LogPosition now = new LogPosition(cluster, revision, atMillis);
    map.write(now);
    position = now;
    if (!cluster.equals(p.clusterUuid())) {
      LOG.info("maps follow cluster={} revision={}", cluster, revision);
    }
  }
}
