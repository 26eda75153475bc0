package io.nodus.raft.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.raft.storage.CheckpointDirectory.Checkpoint;
import io.nodus.raft.storage.Directories;
import io.nodus.raft.storage.LogPosition;
import io.nodus.raft.storage.RaftLogFiles;
import io.nodus.raft.storage.StateStore;
import io.nodus.raft.storage.StorageException;
import io.nodus.raft.storage.StorageProbe;
import io.nodus.state.CommandApplier;
import io.nodus.state.LoggedEntry;
import io.nodus.state.ReplicaState;
import io.nodus.state.codec.ImageResources;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.EncodedResults;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.LoggedCommand;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine of a controller: folds each committed {@link LoggedCommand} into the
 * cluster image with {@link CommandApplier}, persists the entry in the replica's {@link
 * StateStore}, publishes the new image and answers the submitter with the {@code CommandResult}.
 * A retried request id is answered from the replicated deduplication window and applied once.
 * Snapshots are RocksDB checkpoints written by {@link CheckpointWriter} and kept by {@link
 * CheckpointSnapshotStorage}.
 *
 * <p>Threading rule: Ratis calls {@link #applyTransaction}, {@link #notifyTermIndexUpdated},
 * {@link #takeSnapshot} and {@link #reinitialize} from its single state-machine updater thread,
 * in commit order; that thread owns the store's writes. {@link #startTransaction} runs on the
 * leader's request threads and only stamps the time. Readers on other threads see the image
 * through a volatile reference and the event history through the store's read lock.
 */
public final class NodusStateMachine extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(NodusStateMachine.class);
  private static final String LIVE_DB = "db";

  private final Clock clock;
  private final LongSupplier monotonicMillis;
  private final Consumer<String> faults;
  private final long eventRetention;
  private final CheckpointSnapshotStorage snapshots = new CheckpointSnapshotStorage();
  private final CheckpointWriter checkpoints = new CheckpointWriter(snapshots, this::purgeLogBehind);
  private final List<Runnable> appliedListeners = new CopyOnWriteArrayList<>();
  /** The newest events, for watchers at the head of the log. */
  private final RecentEvents recent = new RecentEvents(1 << 14);
  private final AtomicLong appliedSinceStart = new AtomicLong();
  private final AtomicLong skippedSinceStart = new AtomicLong();
  private final AtomicLong snapshotsInstalled = new AtomicLong();
  private final AtomicLong duplicatesSinceStart = new AtomicLong();
  private final PromptCommitRpc.CommitNotifier commitNotifier = new PromptCommitRpc.CommitNotifier();
  private final InProcessAnswers answers = new InProcessAnswers();
  private volatile StateStore store;
  /** The image and the request window; replaced (never mutated) by the updater thread only. */
  private volatile ReplicaState state = ReplicaState.EMPTY;
  /** Index of the last entry recorded in the store; written by the updater thread only. */
  private volatile long storedIndex = -1;

  /**
   * @param clock the leader's wall clock, read only when a command enters the log (never in apply)
   * @param monotonicMillis the leader's monotonic clock in milliseconds, read with it: the cluster
   *     clock advances by what it measures (see {@link io.nodus.state.ClusterClock})
   * @param eventRetention how many of the most recent events the store keeps at least
   * @param faults told (once or more, on Ratis' threads) when this replica's storage failed
   */
  public NodusStateMachine(Clock clock, LongSupplier monotonicMillis, long eventRetention, Consumer<String> faults) {
    this.clock = clock;
    this.monotonicMillis = monotonicMillis;
    this.eventRetention = eventRetention;
    this.faults = faults;
  }

  /** The leader's log appenders, woken when an entry commits; given to Ratis' transport. */
  PromptCommitRpc.CommitNotifier commitNotifier() {
    return commitNotifier;
  }

  /** Where this process's own submissions take their answers. */
  InProcessAnswers answers() {
    return answers;
  }

  /** The latest applied image. */
  public ClusterImage image() {
    return state.image();
  }

  /** The latest applied image and request window together. */
  public ReplicaState state() {
    return state;
  }

  /** Retried requests answered from the deduplication window since start. */
  public long duplicatesSinceStart() {
    return duplicatesSinceStart.get();
  }

  /**
   * Events with {@code from <= revision <= to}, at most {@code max} (see {@link StateStore#events}):
   * from memory when they are recent, else from the store.
   */
  public List<Event> events(long from, long to, int max) {
    // Memory only serves what the store still retains, so trimming means the same either way.
    List<Event> recent = from >= store.firstRetained() ? this.recent.get(from, to, max) : null;
    return recent != null ? recent : store.events(from, to, max);
  }

  /** Runs {@code listener} on the apply thread after each new image is published; it must not block. */
  public void addAppliedListener(Runnable listener) {
    appliedListeners.add(listener);
  }

  /** Entries this process applied to the image since it started. */
  public long appliedSinceStart() {
    return appliedSinceStart.get();
  }

  /** Entries Ratis replayed since start that the store already held, and were skipped. */
  public long skippedSinceStart() {
    return skippedSinceStart.get();
  }

  /** Snapshots received from a leader and installed since start. */
  public long snapshotsInstalled() {
    return snapshotsInstalled.get();
  }

  /** The last entry persisted in the store. */
  public long storedIndex() {
    return storedIndex;
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    snapshots.init(raftStorage);
    try {
      openStore(snapshots.refresh(), RaftLogFiles.firstIndex(raftStorage.getStorageDir().getCurrentDir().toPath()));
    } catch (StoreUnavailableException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // Restoring a checkpoint, moving a corrupt store aside, listing the log: the disk failed.
      throw new StoreUnavailableException("state store cannot be prepared: " + StorageProbe.describe(e), e);
    }
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  /**
   * Opens the live database, or rebuilds it from the latest checkpoint when it is missing,
   * corrupt or older than that checkpoint. Ratis then replays the log after the checkpoint;
   * entries the live database already holds are skipped in {@link #applyTransaction}.
   *
   * <p>Fails closed: a store that cannot be reached (a full disk, an I/O or permission error, a
   * schema this build does not read) is never discarded, and this replica does not start, so it
   * neither serves nor votes until the store can be opened (a restart with the store discarded
   * served an empty state at revision 0 while thousands of policies sat on the unreadable disk).
   * A corrupt store is moved aside, not deleted. A rebuild that would leave a gap (no checkpoint
   * and a Raft log purged past its first entry) is refused: the member must be wiped and added
   * again, so that it installs the leader's snapshot.
   *
   * @param logStart the first index of the Raft log on disk, or -1 when there is none
   */
  private void openStore(Optional<Checkpoint> latest, long logStart) throws IOException {
    Path live = snapshots.stateMachineDir().resolve(LIVE_DB);
    StateStore.Opened opened = null;
    if (StateStore.isDatabase(live)) {
      try {
        opened = StateStore.openLoaded(live, eventRetention);
      } catch (StorageException e) {
        if (!e.corrupt()) {
          throw new StoreUnavailableException("state store " + live + " cannot be opened: " + e.getMessage(), e);
        }
        Path aside = live.resolveSibling(LIVE_DB + ".corrupt-" + System.currentTimeMillis());
        Files.move(live, aside);
        log.error("state store corrupt, moved aside; rebuilding dir={} aside={} error={}", live, aside, e.getMessage());
      }
      if (opened != null && latest.isPresent() && opened.loaded().applied().index() < latest.get().position().index()) {
        log.warn("live store behind checkpoint stored={} checkpoint={}", opened.loaded().applied().index(),
            latest.get().position().index());
        opened.store().close();
        opened = null;
      }
    }
    if (opened == null) {
      if (latest.isPresent()) {
        log.info("restoring store from checkpoint dir={}", latest.get().dir().getFileName());
        StateStore.restore(latest.get().dir(), live);
      } else if (logStart > 0) {
        throw new StoreUnavailableException("state store " + live + " is missing, there is no checkpoint, and the Raft log starts at index "
            + logStart + " (the entries before it were purged): this member cannot rebuild its state; wipe its data "
            + "directory and add it to the group again", null);
      } else {
        // Without a checkpoint the log was never purged: an empty store plus a full replay rebuilds it.
        Directories.deleteRecursively(live);
      }
      try {
        opened = StateStore.openLoaded(live, eventRetention);
      } catch (StorageException e) {
        throw new StoreUnavailableException("state store " + live + " cannot be rebuilt: " + e.getMessage(), e);
      }
    }
    StateStore.Loaded loaded = opened.loaded();
    store = opened.store();
    state = loaded.state();
    storedIndex = loaded.applied().index();
    setLastAppliedTermIndex(latest.map(c -> TermIndex.valueOf(c.position().term(), c.position().index()))
        .orElse(TermIndex.INITIAL_VALUE));
    log.info("state machine loaded revision={} storedIndex={} snapshotIndex={}", state.image().revision(), storedIndex,
        latest.map(c -> c.position().index()).orElse(-1L));
  }

  /**
   * Ratis failed to write the log (a full disk, an I/O error): nothing after the failed entry can
   * be made durable here. The controller stops this replica and starts it again once its disk
   * takes writes.
   */
  @Override
  public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
    storageFault("raft log write failed" + (failedEntry == null ? "" : " at index " + failedEntry.getIndex()) + ": "
        + StorageProbe.describe(rootCause(cause)));
  }

  /** Tells the owner that this replica's storage failed; it must not go on. */
  private void storageFault(String reason) {
    log.error("storage fault, this replica stops reason=\"{}\"", reason);
    faults.accept(reason);
  }

  private static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }

  @Override
  public void pause() {
    // Ratis pauses the state machine while it receives a snapshot; the store stays open until
    // reinitialize() swaps it, because watchers may still be reading it.
    if (getLifeCycleState() == LifeCycle.State.RUNNING) {
      getLifeCycle().transition(LifeCycle.State.PAUSING);
      getLifeCycle().transition(LifeCycle.State.PAUSED);
    }
  }

  @Override
  public void reinitialize() throws IOException {
    recent.clear();
    Optional<Checkpoint> latest = snapshots.refresh();
    if (latest.isPresent() && latest.get().position().index() > storedIndex) {
      Checkpoint c = latest.get();
      store.replaceWith(c.dir());
      StateStore.Loaded loaded = store.load();
      state = loaded.state();
      storedIndex = loaded.applied().index();
      setLastAppliedTermIndex(TermIndex.valueOf(c.position().term(), c.position().index()));
      snapshotsInstalled.incrementAndGet();
      log.info("snapshot installed index={} revision={}", c.position().index(), state.image().revision());
      appliedListeners.forEach(Runnable::run);
    }
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) {
    TransactionContext.Builder trx = TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request);
    try {
      // Controllers send batches of commands (a LoggedCommand without time). The leader's clocks
      // are read here, once, so that every replica advances the cluster clock alike.
      ByteString content = request.getMessage().getContent();
      LoggedCommand.parseFrom(content.asReadOnlyByteBuffer());
      // Parsed to refuse garbage before it enters the log; not rebuilt: a serialized message
      // followed by another is their merge, and a later scalar field wins, so appending the
      // time's field sets it without copying the commands.
      ByteString time = UnsafeByteOperations.unsafeWrap(LoggedCommand.newBuilder()
          .setLeaderTimeMillis(clock.millis())
          .setLeaderMonotonicMillis(monotonicMillis.getAsLong())
          .build().toByteArray());
      return trx.setLogData(content.concat(time)).build();
    } catch (InvalidProtocolBufferException e) {
      return trx.build().setException(new IOException("request is not a nodus.v1.LoggedCommand", e));
    }
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long index = entry.getIndex();
    if (index <= storedIndex) {
      // Replayed after a restart: the store already holds this entry's effects.
      skippedSinceStart.incrementAndGet();
      updateLastAppliedTermIndex(entry.getTerm(), index);
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
    // Committed: on the leader, followers hear of it now rather than with the next entry.
    commitNotifier.committed();
    LoggedEntry logged = parse(entry.getStateMachineLogEntry().getLogData(), index);
    ReplicaState before = state;
    // An entry holds one command or a batch (group commit): each is applied in order against the
    // state the previous one left, and all of them are stored in one write batch.
    CommandApplier.EntryApplied applied = CommandApplier.applyEntry(before, logged, index, entry.getTerm());
    ReplicaState current = applied.state();
    List<Command> commands = logged.commands();
    for (int i = 0; i < applied.commands().size(); i++) {
      CommandApplier.Applied a = applied.commands().get(i);
      if (a.duplicate()) {
        duplicatesSinceStart.incrementAndGet();
        log.info("duplicate request answered from the window request_id={} index={} revision={}",
            commands.get(i).getRequestId(), index, a.image().revision());
      }
    }
    Message reply;
    StateMachineLogEntryProto submitted = entry.getStateMachineLogEntry();
    if (logged.answeredInProcess()) {
      // The leader that submitted it takes the answers in its process (see InProcessAnswers).
      answers.deliver(ClientId.valueOf(submitted.getClientId()), submitted.getCallId(), () -> encodedResults(applied));
      reply = Message.EMPTY;
    } else {
      // Built on every replica: an entry appended under one leader may be answered by the next
      // one (a Raft client's retry finds it in Ratis' retry cache), which has no request of its own.
      reply = Message.valueOf(UnsafeByteOperations.unsafeWrap(encodedResults(applied)));
    }
    LogPosition position = new LogPosition(entry.getTerm(), index);
    try {
      store.commit(position, ImageResources.changes(before, applied), applied.events(), applied.encodedEvents());
    } catch (RuntimeException e) {
      // Thrown, not returned as a failed future: Ratis then stops applying instead of moving on,
      // and the image stays at the last entry the store holds; the owner restarts this replica.
      storageFault("state store write failed at index " + index + ": " + StorageProbe.describe(rootCause(e)));
      throw e;
    }
    storedIndex = index;
    recent.append(applied.events(), applied.encodedEvents());
    boolean changed = current.image() != before.image();
    state = current;
    appliedSinceStart.addAndGet(applied.commands().size());
    updateLastAppliedTermIndex(entry.getTerm(), index);
    if (changed) {
      appliedListeners.forEach(Runnable::run);
    }
    return CompletableFuture.completedFuture(reply);
  }

  /** The answers of an entry, as the applier encoded them (read as CommandResults by the submitter). */
  private static byte[] encodedResults(CommandApplier.EntryApplied applied) {
    EncodedResults.Builder results = EncodedResults.newBuilder();
    applied.commands().forEach(a -> results.addResults(a.encodedResult()));
    return results.build().toByteArray();
  }

  private static LoggedEntry parse(ByteString data, long index) {
    try {
      return LoggedEntry.parse(data.toByteArray());
    } catch (InvalidProtocolBufferException e) {
      // Every replica would fail the same way: the log itself is broken.
      throw new IllegalStateException("log entry " + index + " is not a LoggedCommand", e);
    }
  }

  /**
   * Configuration, leader no-op and commit-metadata entries: nothing to fold in, but the applied
   * position moves. It is not written to the store here (metadata entries follow almost every
   * command); {@link #takeSnapshot} records it before it names a checkpoint after it.
   */
  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    if (index > getLastAppliedTermIndex().getIndex()) {
      updateLastAppliedTermIndex(term, index);
    }
  }

  /** Answers a ReadIndex read with the applied revision (8 bytes); the caller then reads the local image. */
  @Override
  public CompletableFuture<Message> query(Message request) {
    byte[] revision = ByteBuffer.allocate(Long.BYTES).putLong(state.image().revision()).array();
    return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(revision)));
  }

  /** A RocksDB checkpoint, written in the background by {@link CheckpointWriter}. */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last.getIndex() < 0) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    LogPosition position = new LogPosition(last.getTerm(), last.getIndex());
    return checkpoints.take(position, () -> {
      // The store may lag `last` by entries without state changes: record the position first.
      StateStore s = store;
      if (storedIndex < position.index()) {
        s.markApplied(position);
        storedIndex = position.index();
      }
      return new CheckpointWriter.Source(s, state.image().revision());
    });
  }

  /** The next snapshot Ratis asks for is written before it is answered (an explicit request). */
  void snapshotNow() {
    checkpoints.writeNextBeforeAnswering();
  }

  /**
   * Purges the Raft log behind a checkpoint written in the background, as Ratis does after a
   * snapshot it took itself (up to the snapshot, keeping the configured preservation and gap).
   */
  private void purgeLogBehind(long index) {
    try {
      getServer().get().getDivision(getGroupId()).getRaftLog().purge(index)
          .whenComplete((purged, error) -> {
            if (error != null) {
              log.warn("cannot purge the log behind snapshot index={}", index, error);
            }
          });
    } catch (IOException | ExecutionException e) {
      log.warn("cannot purge the log behind snapshot index={}", index, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    getLifeCycle().checkStateAndClose(() -> {
      // A checkpoint being written (the one asked for at shutdown, say) is finished first.
      checkpoints.close();
      StateStore s = store;
      if (s != null) {
        s.close();
      }
    });
  }
}
