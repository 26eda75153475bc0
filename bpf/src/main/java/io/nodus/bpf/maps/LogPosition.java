package io.nodus.bpf.maps;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The point of the control plane's log that a node's maps reflect: which cluster's log, up to
 * which revision, and since when.
 *
 * @param clusterUuid the cluster whose log the maps follow; empty while it is not known
 * @param revision the last revision whose state the maps hold; 0 for none
 * @param appliedAtMillis when the maps came to hold it, milliseconds since the epoch; 0 for never
 */
public record LogPosition(String clusterUuid, long revision, long appliedAtMillis) {
    /** Nothing applied, no cluster known: a node that never followed a log. */
    public static final LogPosition NONE = new LogPosition("", 0, 0);

    /** Bytes a cluster id may take ({@code LOG_POS_CLUSTER_MAX} less the terminating NUL). */
    public static final int MAX_CLUSTER_BYTES = 47;

    public LogPosition {
        Objects.requireNonNull(clusterUuid, "clusterUuid");
        if (revision < 0 || appliedAtMillis < 0) {
            throw new IllegalArgumentException("revision and time must be >= 0, got " + revision + " at " + appliedAtMillis);
        }
        byte[] raw = clusterUuid.getBytes(StandardCharsets.US_ASCII);
        if (raw.length > MAX_CLUSTER_BYTES || !clusterUuid.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("cluster id must be at most " + MAX_CLUSTER_BYTES
                    + " printable ASCII characters, got '" + clusterUuid + "'");
        }
    }

    /** Whether anything was ever applied (a revision, or at least the cluster followed). */
    public boolean isKnown() {
        return revision > 0 || !clusterUuid.isEmpty();
    }

    public LogPosition withRevision(long newRevision, long atMillis) {
        return new LogPosition(clusterUuid, newRevision, atMillis);
    }

    public LogPosition withCluster(String uuid) {
        return new LogPosition(uuid, revision, appliedAtMillis);
    }
}
