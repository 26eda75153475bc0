package io.nodus.raft.server;

import io.nodus.state.model.Addresses;
import io.nodus.state.model.InvalidFieldException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything one controller needs to join its Raft group and serve the API.
 *
 * @param memberId this controller's id in the group (a Raft peer id)
 * @param peers every member of the group, this one included: id to Raft address, in a stable order
 * @param dataDir where Raft storage and RocksDB live ({@code <dataDir>/raft/<group uuid>/...})
 * @param raftBind where the Raft transport listens; usually this member's entry in {@code peers}
 * @param grpcBind where the Controller gRPC service listens (port 0 picks a free one)
 * @param peerGrpcAddresses gRPC addresses of other members, when known, reported by Status
 * @param clusterName names the Raft group: every member derives the same group id from it
 * @param snapshotInterval applied entries between automatic snapshots (RocksDB checkpoints)
 * @param eventRetention most recent events always kept for watchers; older ones may be trimmed
 * @param snapshotsRetained checkpoints kept on disk
 * @param snapshotOnShutdown whether a clean shutdown takes a snapshot (a crash never does)
 * @param logSegmentBytes size of a Raft log segment; the log is purged behind snapshots by whole segments
 * @param clock the leader's clock that stamps commands entering the log
 * @param join whether this member joins a running group: it starts outside any configuration
 *     and waits for the group to add it ({@code nodus cluster add-member}); {@code peers} then
 *     lists the running members the controller's client talks to, and this member
 * @param minFreeBytes usable bytes the data directory must keep: below it the replica stops
 *     (fails closed) before Raft or RocksDB run out of space mid-write, and it starts again once
 *     twice this much is free
 * @param unsafeLocalReads a deliberate fault, for the chaos tests only: linearizable reads answer
 *     from the local replica without ReadIndex, so a partitioned or lagging member serves stale
 *     state as if it were current (the checkers must catch it)
 */
public record ControllerConfig(
    String memberId,
    Map<String, HostPort> peers,
    Path dataDir,
    HostPort raftBind,
    HostPort grpcBind,
    Map<String, HostPort> peerGrpcAddresses,
    String clusterName,
    long snapshotInterval,
    long eventRetention,
    int snapshotsRetained,
    boolean snapshotOnShutdown,
    long logSegmentBytes,
    Clock clock,
    boolean join,
    long minFreeBytes,
    boolean unsafeLocalReads) {

  public static final String DEFAULT_CLUSTER_NAME = "nodus";
  public static final long DEFAULT_SNAPSHOT_INTERVAL = 10_000;
  public static final long DEFAULT_EVENT_RETENTION = 100_000;
  public static final int DEFAULT_GRPC_PORT = 9401;
  public static final int DEFAULT_RAFT_PORT = 9402;
  /** Default {@link #minFreeBytes}: room for a few Raft log segments and a RocksDB flush. */
  public static final long DEFAULT_MIN_FREE_BYTES = 64L << 20;

  public ControllerConfig {
    Objects.requireNonNull(memberId, "memberId");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(grpcBind, "grpcBind");
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(clock, "clock");
    if (!memberId.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException("memberId must be letters, digits, '.', '_' or '-', got '" + memberId + "'");
    }
    if (peers == null || !peers.containsKey(memberId)) {
      throw new IllegalArgumentException("peers must contain this member " + memberId + ", got " + peers);
    }
    peers = Collections.unmodifiableMap(new LinkedHashMap<>(peers));
    Map<String, String> byAddress = new LinkedHashMap<>();
    for (Map.Entry<String, HostPort> p : peers.entrySet()) {
      try {
        Addresses.requireMemberId(p.getKey(), "peers");
        Addresses.requireMemberAddress(p.getValue().toString(), "peers");
      } catch (InvalidFieldException e) {
        throw new ConfigurationException("peers: " + p.getKey() + "=" + p.getValue() + ": " + e.getMessage());
      }
      String other = byAddress.putIfAbsent(p.getValue().toString(), p.getKey());
      if (other != null) {
        throw new ConfigurationException("peers: " + other + " and " + p.getKey() + " have the same address " + p.getValue()
            + "; every member needs its own");
      }
    }
    peerGrpcAddresses = peerGrpcAddresses == null ? Map.of() : Map.copyOf(peerGrpcAddresses);
    raftBind = raftBind == null ? peers.get(memberId) : raftBind;
    if (minFreeBytes < 0) {
      throw new IllegalArgumentException("minFreeBytes must be >= 0, got " + minFreeBytes);
    }
    if (snapshotInterval < 1 || eventRetention < 1 || snapshotsRetained < 1 || logSegmentBytes < 1024) {
      throw new IllegalArgumentException("snapshotInterval, eventRetention and snapshotsRetained must be >= 1 and "
          + "logSegmentBytes >= 1024");
    }
  }

  /** A builder with the defaults of a single embedded controller ({@code nodus up}). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.memberId = memberId;
    b.peers = new LinkedHashMap<>(peers);
    b.dataDir = dataDir;
    b.raftBind = raftBind;
    b.grpcBind = grpcBind;
    b.peerGrpcAddresses = new LinkedHashMap<>(peerGrpcAddresses);
    b.clusterName = clusterName;
    b.snapshotInterval = snapshotInterval;
    b.eventRetention = eventRetention;
    b.snapshotsRetained = snapshotsRetained;
    b.snapshotOnShutdown = snapshotOnShutdown;
    b.logSegmentBytes = logSegmentBytes;
    b.clock = clock;
    b.join = join;
    b.minFreeBytes = minFreeBytes;
    b.unsafeLocalReads = unsafeLocalReads;
    return b;
  }

  /** Builds a {@link ControllerConfig}; unset fields take the documented defaults. */
  public static final class Builder {
    private String memberId = "c1";
    private Map<String, HostPort> peers;
    private Path dataDir = Path.of("var");
    private HostPort raftBind;
    private HostPort grpcBind = new HostPort("127.0.0.1", DEFAULT_GRPC_PORT);
    private Map<String, HostPort> peerGrpcAddresses = new LinkedHashMap<>();
    private String clusterName = DEFAULT_CLUSTER_NAME;
    private long snapshotInterval = DEFAULT_SNAPSHOT_INTERVAL;
    private long eventRetention = DEFAULT_EVENT_RETENTION;
    private int snapshotsRetained = 3;
    private boolean snapshotOnShutdown = true;
    private long logSegmentBytes = 8L << 20;
    private Clock clock = Clock.systemUTC();
    private boolean join;
    private long minFreeBytes = DEFAULT_MIN_FREE_BYTES;
    private boolean unsafeLocalReads;

    private Builder() {}

    public Builder memberId(String v) {
      memberId = v;
      return this;
    }

    /** Members of the group: id to Raft address. Defaults to this member alone on 127.0.0.1:9402. */
    public Builder peers(Map<String, HostPort> v) {
      peers = new LinkedHashMap<>(v);
      return this;
    }

    public Builder peer(String id, HostPort raftAddress) {
      if (peers == null) {
        peers = new LinkedHashMap<>();
      }
      peers.put(id, raftAddress);
      return this;
    }

    public Builder dataDir(Path v) {
      dataDir = v;
      return this;
    }

    public Builder raftBind(HostPort v) {
      raftBind = v;
      return this;
    }

    public Builder grpcBind(HostPort v) {
      grpcBind = v;
      return this;
    }

    public Builder peerGrpcAddress(String id, HostPort v) {
      peerGrpcAddresses.put(id, v);
      return this;
    }

    public Builder clusterName(String v) {
      clusterName = v;
      return this;
    }

    public Builder snapshotInterval(long v) {
      snapshotInterval = v;
      return this;
    }

    public Builder eventRetention(long v) {
      eventRetention = v;
      return this;
    }

    public Builder snapshotsRetained(int v) {
      snapshotsRetained = v;
      return this;
    }

    public Builder snapshotOnShutdown(boolean v) {
      snapshotOnShutdown = v;
      return this;
    }

    public Builder logSegmentBytes(long v) {
      logSegmentBytes = v;
      return this;
    }

    public Builder clock(Clock v) {
      clock = v;
      return this;
    }

    public Builder join(boolean v) {
      join = v;
      return this;
    }

    public Builder minFreeBytes(long v) {
      minFreeBytes = v;
      return this;
    }

    public Builder unsafeLocalReads(boolean v) {
      unsafeLocalReads = v;
      return this;
    }

    public ControllerConfig build() {
      Map<String, HostPort> p = peers;
      if (p == null) {
        p = Map.of(memberId, new HostPort("127.0.0.1", DEFAULT_RAFT_PORT));
      }
      return new ControllerConfig(memberId, p, dataDir, raftBind, grpcBind, peerGrpcAddresses, clusterName,
          snapshotInterval, eventRetention, snapshotsRetained, snapshotOnShutdown, logSegmentBytes, clock, join,
          minFreeBytes, unsafeLocalReads);
    }
  }
}
