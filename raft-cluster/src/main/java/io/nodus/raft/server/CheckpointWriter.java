package io.nodus.raft.server;

import io.nodus.raft.storage.CheckpointDirectory.Checkpoint;
import io.nodus.raft.storage.LogPosition;
import io.nodus.raft.storage.StateStore;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a replica's snapshots (RocksDB checkpoints) on a background thread, so that applying
 * goes on meanwhile: written on the apply thread, a checkpoint stalled every replica's apply for
 * 0.1 to 0.9 s, most of it flushing the memtables. While one is being written Ratis is answered
 * "none yet" (-1); once it is complete, the next request is answered with its index. The log
 * behind it is purged as soon as it is complete (Ratis would do so only at its next request,
 * after another entry: a log that went quiet would keep everything).
 *
 * <p>A checkpoint is named after the last applied entry when it was asked for, and holds at
 * least that much: entries applied while it was written may be in it too. That is safe because
 * the store records its own position, and entries up to it are skipped after a restore (the same
 * happens when a replay finds the store ahead).
 *
 * <p>Answering with an older snapshot would make Ratis log it as new after every entry, hence the
 * -1. A snapshot asked for explicitly ({@link #writeNextBeforeAnswering}) is written before the
 * answer.
 *
 * <p>Threading: {@link #take} is called by the state machine's updater thread only; {@link
 * #writeNextBeforeAnswering} by anyone; the checkpoints are written on this writer's thread.
 */
final class CheckpointWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CheckpointWriter.class);

  /** What a new checkpoint is taken of: the store, and the revision it holds (for the log). */
  record Source(StateStore store, long revision) {}

  private final CheckpointSnapshotStorage snapshots;
  private final LongConsumer purgeLogBehind;
  private final ExecutorService thread =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("checkpoint").factory());
  /** The checkpoint being written, if any; updater thread only. */
  private Future<?> writing;
  private volatile boolean beforeAnswering;

  /** @param purgeLogBehind purges the Raft log up to the given index, once its checkpoint is complete */
  CheckpointWriter(CheckpointSnapshotStorage snapshots, LongConsumer purgeLogBehind) {
    this.snapshots = snapshots;
    this.purgeLogBehind = purgeLogBehind;
  }

  /**
   * Ratis asks for a snapshot of the state applied up to {@code last}: returns the index to
   * answer. {@code source} is asked only when a new checkpoint is to be written.
   */
  long take(LogPosition last, Supplier<Source> source) throws IOException {
    boolean now = beforeAnswering;
    if (writing != null) {
      if (!writing.isDone() && !now) {
        return RaftLog.INVALID_LOG_INDEX;
      }
      awaitWriting();
      writing = null;
      SnapshotInfo written = snapshots.getLatestSnapshot();
      if (!now && written != null) {
        // The one just written; Ratis counts the entries to the next one from here.
        return written.getIndex();
      }
    }
    SnapshotInfo current = snapshots.getLatestSnapshot();
    if (current != null && current.getIndex() >= last.index()) {
      beforeAnswering = false;
      return current.getIndex();
    }
    Source s;
    try {
      s = source.get();
    } catch (RuntimeException e) {
      throw new IOException("cannot take snapshot at index " + last.index(), e);
    }
    if (now) {
      beforeAnswering = false;
      try {
        write(last, s);
      } catch (RuntimeException e) {
        throw new IOException("cannot take snapshot at index " + last.index(), e);
      }
      return last.index();
    }
    writing = thread.submit(() -> {
      try {
        write(last, s);
      } catch (RuntimeException e) {
        // Ratis asks again after the next entries; the log is not purged meanwhile.
        log.error("cannot take snapshot index={}", last.index(), e);
        return;
      }
      purgeLogBehind.accept(last.index());
    });
    return RaftLog.INVALID_LOG_INDEX;
  }

  /** The next snapshot Ratis asks for is written before it is answered (an explicit request). */
  void writeNextBeforeAnswering() {
    beforeAnswering = true;
  }

  private void write(LogPosition position, Source s) {
    long started = System.nanoTime();
    Checkpoint c = snapshots.directory().create(position, s.store()::checkpoint);
    snapshots.published(c);
    log.info("snapshot taken index={} term={} revision={} took_ms={}", position.index(), position.term(), s.revision(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private void awaitWriting() throws IOException {
    try {
      writing.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while a checkpoint was written", e);
    } catch (ExecutionException e) {
      throw new IOException("checkpoint failed", e.getCause());
    }
  }

  /** Finishes the checkpoint being written, if any (the one asked for at shutdown, say). */
  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(60, TimeUnit.SECONDS)) {
        log.warn("checkpoint still being written at close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
