package io.nodus.raft.server;

import io.nodus.raft.storage.CheckpointDirectory;
import io.nodus.raft.storage.CheckpointDirectory.Checkpoint;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * Presents the checkpoint directory to Ratis: the latest checkpoint is the latest snapshot, as a
 * list of files, so that Ratis can purge the log behind it and ship it to a lagging follower.
 *
 * <p>{@link #getSnapshotDir()} is {@code <state machine dir>/snapshots}, not the state machine dir
 * itself: a follower installing a snapshot replaces that whole directory with the received files,
 * and the live database next to it must survive that. Threading: {@link #published}, {@link
 * #refresh} and {@link #cleanupOldSnapshots} run on the apply thread or the checkpoint writer, one
 * at a time; {@link
 * #getLatestSnapshot} is read by any Ratis thread.
 */
final class CheckpointSnapshotStorage implements StateMachineStorage {
  /** Checkpoints kept when Ratis' retention policy does not say. */
  static final int DEFAULT_RETAINED = 3;

  private volatile Path stateMachineDir;
  private volatile CheckpointDirectory directory;
  private volatile FileListSnapshotInfo latest;
  /** Checkpoints to keep, as Ratis' retention policy last said. */
  private volatile int retained = DEFAULT_RETAINED;

  @Override
  public void init(RaftStorage raftStorage) {
    stateMachineDir = raftStorage.getStorageDir().getStateMachineDir().toPath();
    directory = new CheckpointDirectory(stateMachineDir.resolve("snapshots"));
    directory.deleteUnfinished();
    refresh();
  }

  Path stateMachineDir() {
    return stateMachineDir;
  }

  CheckpointDirectory directory() {
    return directory;
  }

  /** Re-reads the directory (after start, or after Ratis installed a snapshot into it). */
  synchronized Optional<Checkpoint> refresh() {
    Optional<Checkpoint> newest = directory.latest();
    latest = newest.map(CheckpointSnapshotStorage::toInfo).orElse(null);
    return newest;
  }

  /**
   * Makes a just-written checkpoint the latest snapshot, unless a newer one is there already (a
   * snapshot installed while it was being written).
   */
  synchronized void published(Checkpoint checkpoint) {
    FileListSnapshotInfo current = latest;
    if (current == null || current.getIndex() < checkpoint.position().index()) {
      latest = toInfo(checkpoint);
    }
    // Ratis asks for cleanup right after it asks for a snapshot, which is before the checkpoint
    // writer has finished it: without this, the newest checkpoint would always be one too many
    // until the next snapshot.
    directory.retain(retained);
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    return latest;
  }

  @Override
  public void format() {
    // Nothing to prepare: directories are created on first use.
  }

  @Override
  public synchronized void cleanupOldSnapshots(SnapshotRetentionPolicy policy) {
    int keep = policy == null ? -1 : policy.getNumSnapshotsRetained();
    retained = keep > 0 ? keep : DEFAULT_RETAINED;
    directory.retain(retained);
  }

  @Override
  public File getSnapshotDir() {
    return directory.root().toFile();
  }

  private static FileListSnapshotInfo toInfo(Checkpoint c) {
    // No digest: Ratis computes the MD5 while it streams each file to a follower.
    List<FileInfo> files = c.files().stream().map(p -> new FileInfo(p.toAbsolutePath(), null)).toList();
    return new FileListSnapshotInfo(files, TermIndex.valueOf(c.position().term(), c.position().index()));
  }
}
