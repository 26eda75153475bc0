package io.nodus.raft.server;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Turns a {@link ControllerConfig} into Ratis' group and properties. */
final class RaftSettings {
  /**
   * Election timeouts. Ratis' defaults (150-300 ms) trigger needless elections when three JVMs
   * share two cores; these still elect a new leader within about two seconds of a crash.
   */
  private static final TimeDuration ELECTION_MIN = TimeDuration.valueOf(500, TimeUnit.MILLISECONDS);
  private static final TimeDuration ELECTION_MAX = TimeDuration.valueOf(1000, TimeUnit.MILLISECONDS);
  private static final TimeDuration FIRST_ELECTION_MIN = TimeDuration.valueOf(150, TimeUnit.MILLISECONDS);
  private static final TimeDuration FIRST_ELECTION_MAX = TimeDuration.valueOf(300, TimeUnit.MILLISECONDS);
  private static final TimeDuration INSTALL_SNAPSHOT_REQUEST_TIMEOUT = TimeDuration.valueOf(500, TimeUnit.MILLISECONDS);
  private static final TimeDuration CLIENT_REQUEST_TIMEOUT = TimeDuration.valueOf(3, TimeUnit.SECONDS);
  private static final TimeDuration STAGING_TIMEOUT = TimeDuration.valueOf(20, TimeUnit.SECONDS);
  /** A membership change waits for the new member to catch up, snapshot included. */
  private static final TimeDuration ADMIN_REQUEST_TIMEOUT = TimeDuration.valueOf(60, TimeUnit.SECONDS);

  private RaftSettings() {}

  /** The group id every member derives from the cluster name alone, so that they all agree. */
  static RaftGroupId groupId(String clusterName) {
    return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("nodus-raft-group:" + clusterName).getBytes(StandardCharsets.UTF_8)));
  }

  /** Every configured peer: the group the controller's clients talk to. */
  static RaftGroup group(ControllerConfig config) {
    List<RaftPeer> peers = config.peers().entrySet().stream()
        .map(e -> RaftPeer.newBuilder().setId(e.getKey()).setAddress(e.getValue().toString()).build())
        .toList();
    return RaftGroup.valueOf(groupId(config.clusterName()), peers);
  }

  /**
   * The group the Raft server starts in. A joining member starts in an empty one: it belongs to
   * no configuration, never campaigns, and waits for the leader to add it (and send it the
   * configuration with the latest snapshot). Ratis persists the configuration, so a restart of a
   * member that already joined recovers the real one.
   */
  static RaftGroup serverGroup(ControllerConfig config) {
    return config.join() ? RaftGroup.valueOf(groupId(config.clusterName())) : group(config);
  }

  static RaftProperties server(ControllerConfig config) {
    RaftProperties p = new RaftProperties();
    // gRPC, with followers told of each commit at once (see PromptCommitRpc).
    RaftConfigKeys.Rpc.setType(p, new PromptCommitRpc());
    GrpcConfigKeys.Server.setHost(p, config.raftBind().host());
    GrpcConfigKeys.Server.setPort(p, config.raftBind().port());
    RaftServerConfigKeys.setStorageDir(p, List.of(config.dataDir().resolve("raft").toFile()));
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, ELECTION_MIN);
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, ELECTION_MAX);
    // A freshly started process need not wait as long before its first election; pre-vote (on by
    // default) keeps a restarted member from unseating a leader it simply has not heard from yet.
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, FIRST_ELECTION_MIN);
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, FIRST_ELECTION_MAX);
    // Reads through the client's read-only path go through ReadIndex, on leader and followers.
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);

    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotInterval());
    RaftServerConfigKeys.Snapshot.setCreationGap(p, Math.min(1024, config.snapshotInterval()));
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, config.snapshotsRetained());
    RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, config.snapshotOnShutdown());

    SizeInBytes segment = SizeInBytes.valueOf(config.logSegmentBytes());
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, segment);
    RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf(Math.min(config.logSegmentBytes(), 4L << 20)));
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, config.snapshotInterval()));
    // Purge behind each snapshot even while a member is down, so its absence cannot grow the log
    // without bound; about one interval more is kept for members that are only a little behind.
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, config.snapshotInterval());
    // Followers that fell behind the purged log receive the latest checkpoint, in 4 MiB chunks.
    // Ratis waits up to (request timeout x 8 outstanding chunks) for each chunk's reply, also
    // when the follower is down: 0.5 s keeps that stall at 4 s instead of 24 s.
    // No commit-index metadata entry after every command: it doubles log writes, and a restarted
    // member learns the commit index from the leader (its own state is in RocksDB anyway).
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    // Send AppendEntries as soon as entries are there: the default 10 ms pause between two calls
    // adds that much to every commit. Batching happens anyway, in the controllers' group commit.
    RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.valueOf(0, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
    RaftServerConfigKeys.Log.Appender.setSnapshotChunkSizeMax(p, SizeInBytes.valueOf(4L << 20));
    GrpcConfigKeys.Server.setInstallSnapshotRequestTimeout(p, INSTALL_SNAPSHOT_REQUEST_TIMEOUT);
    // A member being added has this long without answering before the change fails; a fresh JVM
    // on a busy machine needs more than the default 3 x election timeout.
    RaftServerConfigKeys.setStagingTimeout(p, STAGING_TIMEOUT);
    return p;
  }

  static RaftProperties client() {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, CLIENT_REQUEST_TIMEOUT);
    return p;
  }

  /** Properties of the client that changes the configuration: one long request per change. */
  static RaftProperties adminClient() {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, ADMIN_REQUEST_TIMEOUT);
    return p;
  }

  /** Retries of the membership client: a leader change during the request, not a slow catch-up. */
  static RetryPolicy adminRetry() {
    return RetryPolicies.retryUpToMaximumCountWithFixedSleep(10, TimeDuration.valueOf(500, TimeUnit.MILLISECONDS));
  }

  /**
   * Retries of the controller's internal client: NotLeader and leader elections are handled by
   * retrying for about 15 s, then the gRPC caller gets UNAVAILABLE and may try another controller.
   */
  static RetryPolicy clientRetry() {
    return RetryPolicies.retryUpToMaximumCountWithFixedSleep(75, TimeDuration.valueOf(200, TimeUnit.MILLISECONDS));
  }
}
