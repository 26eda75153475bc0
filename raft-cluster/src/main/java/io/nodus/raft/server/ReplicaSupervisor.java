package io.nodus.raft.server;

import com.google.protobuf.ByteString;
import io.nodus.raft.grpc.ControllerBackend;
import io.nodus.raft.grpc.UnavailableException;
import io.nodus.raft.proto.AddMemberRequest;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.proto.RemoveMemberRequest;
import io.nodus.raft.proto.ReplicaCondition;
import io.nodus.raft.proto.ReplicaHealth;
import io.nodus.raft.storage.StorageException;
import io.nodus.raft.storage.StorageProbe;
import io.nodus.state.ReplicaState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a controller's {@link Replica} running, and stops it, failing closed, when its storage
 * fails; then starts it again by itself once the data directory takes writes. It is the
 * controller as the gRPC service sees it ({@link ControllerBackend}), and it answers for the
 * replica's condition: reads and watches only while it {@linkplain ReplicaCondition#SERVING
 * serves}, writes never while its storage failed, each refusal at once with a stable code that
 * names the cause, so that clients move to another controller instead of waiting.
 *
 * <p>Faults: Ratis failing to write its log ({@link NodusStateMachine#notifyLogFailed}), the
 * store failing a write, the Ratis division stopping, or the data directory's usable space falling
 * under the configured minimum (a watchdog, each second), which stops the replica before Raft or
 * RocksDB fail half-way through a write. A failed replica's Raft server is closed: it neither
 * votes nor leads, and a leader so hands its role to a healthy member at the next election
 * instead of holding it with a log it cannot write. Nothing acknowledged is lost: an answer is
 * given only once an entry is applied, which needs it durable in a majority's logs, and the
 * restarted replica replays its own log and catches up from the leader.
 *
 * <p>A restarted replica serves again only once a read barrier through the leader has shown that
 * it applied everything committed: until then ({@link ReplicaCondition#CATCHING_UP}) its state
 * may be older than what it served before the fault, and no client may see that.
 *
 * <p>Threading: every transition (start, fault, recovery, the watchdog) runs on the supervisor's
 * single thread; gRPC threads read the current replica and health through volatile fields.
 */
final class ReplicaSupervisor implements ControllerBackend, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReplicaSupervisor.class);
  // Often: a disk can fill between two looks, and Ratis then writes its metadata into a full disk.
  private static final long WATCHDOG_MILLIS = 200;
  private static final long RECOVERY_MIN_MILLIS = 500;
  private static final long RECOVERY_MAX_MILLIS = 5_000;
  private static final long CATCH_UP_PAUSE_MILLIS = 200;

  /** What the controller around the replica hears of it. */
  interface Listener {
    /** A new image was applied (on the apply thread; must not block). */
    void onApplied();

    /** The replica stopped serving (a fault, or shutdown): watches on it must end. */
    void onStopped(String reason);
  }

  /** The replica's condition and since when. */
  private record Health(ReplicaCondition condition, String reason, long sinceMillis) {}

  private final ControllerConfig config;
  private final RaftClient client;
  private final RaftClient admin;
  private final Supplier<String> grpcAddress;
  private final StorageProbe probe;
  private final Clock wallClock;
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("replica-supervisor").factory());
  private final AtomicInteger recoveries = new AtomicInteger();
  private Listener listener;
  private volatile Replica replica;
  private volatile Health health;
  /** The last state a stopped replica held, for status pages. */
  private volatile ReplicaState lastState = ReplicaState.EMPTY;
  private volatile boolean closed;
  /** How --peers differs from the group's recorded configuration, for the status. */
  private volatile List<String> configurationNotes = List.of();
  private long recoveryDelay = RECOVERY_MIN_MILLIS;

  ReplicaSupervisor(ControllerConfig config, RaftClient client, RaftClient admin, Supplier<String> grpcAddress) {
    this.config = config;
    this.client = client;
    this.admin = admin;
    this.grpcAddress = grpcAddress;
    this.probe = new StorageProbe(config.dataDir());
    this.wallClock = Clock.systemUTC();
    this.health = new Health(ReplicaCondition.STARTING, "", wallClock.millis());
  }

  /**
   * Starts the replica and returns once its Raft server runs, or once it failed for a storage
   * reason (the controller then serves its status, and the replica starts when it can).
   *
   * @throws IOException when the Raft server cannot start for another reason (an address in use):
   *     a configuration fault the process must not hide
   */
  void start(Listener listener) throws IOException {
    this.listener = listener;
    try {
      thread.submit(() -> {
        Optional<String> problem = probe.check(config.minFreeBytes());
        if (problem.isPresent()) {
          failed(problem.get());
          scheduleRecovery();
          return null;
        }
        try {
          launch();
        } catch (IOException | RuntimeException e) {
          // Ratis reports a state machine that failed to initialize wrapped in its own exceptions.
          StoreUnavailableException store = StoreUnavailableException.find(e);
          if (store == null) {
            throw e;
          }
          failed(store.getMessage());
          scheduleRecovery();
        }
        return null;
      }).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the replica started", e);
    } catch (ExecutionException e) {
      thread.shutdownNow();
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw e.getCause() instanceof IOException io ? io : new IOException("replica failed to start", e.getCause());
    }
    thread.scheduleWithFixedDelay(this::watchdog, WATCHDOG_MILLIS, WATCHDOG_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Starts a replica; on the supervisor thread. */
  private void launch() throws IOException {
    health = new Health(ReplicaCondition.STARTING, "", wallClock.millis());
    Replica r = Replica.start(config, client, admin, grpcAddress, this::fault, listener::onApplied);
    try {
      List<String> notes = RecordedConfiguration.check(config, r.division().getRaftConf().getCurrentPeers());
      notes.forEach(n -> log.warn("configuration: {} id={}", n, config.memberId()));
      configurationNotes = notes;
    } catch (ConfigurationException e) {
      r.close();
      throw e;
    }
    replica = r;
    health = new Health(ReplicaCondition.CATCHING_UP, "has not yet shown that it applied everything committed",
        wallClock.millis());
    log.info("replica started, catching up id={} revision={}", config.memberId(), r.stateMachine().state().image().revision());
    Thread.ofVirtual().name("replica-catch-up").start(() -> confirmCurrent(r));
  }

  /**
   * Waits until {@code r} has applied everything the leader had committed (a ReadIndex barrier),
   * then lets it serve. A replica that cannot reach a leader stays catching up.
   */
  private void confirmCurrent(Replica r) {
    while (!closed && replica == r) {
      try {
        r.backend().awaitLinearizable();
        thread.execute(() -> {
          if (replica == r && health.condition() == ReplicaCondition.CATCHING_UP) {
            health = new Health(ReplicaCondition.SERVING, "", wallClock.millis());
            log.info("replica serving id={} revision={}", config.memberId(), r.stateMachine().state().image().revision());
          }
        });
        return;
      } catch (RuntimeException e) {
        try {
          Thread.sleep(CATCH_UP_PAUSE_MILLIS);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** A storage fault reported by the replica's state machine (on Ratis' threads). */
  private void fault(String reason) {
    if (!closed) {
      thread.execute(() -> stop(reason));
    }
  }

  /** Stops the current replica for {@code reason} and schedules its recovery; on the supervisor thread. */
  private void stop(String reason) {
    if (closed || health.condition() == ReplicaCondition.STORAGE_FAILED) {
      return;
    }
    failed(reason);
    Replica r = replica;
    replica = null;
    listener.onStopped(reason);
    if (r != null) {
      lastState = r.stateMachine().state();
      r.close();
    }
    recoveryDelay = RECOVERY_MIN_MILLIS;
    scheduleRecovery();
  }

  private void failed(String reason) {
    Health before = health;
    boolean again = before.condition() == ReplicaCondition.STORAGE_FAILED;
    health = new Health(ReplicaCondition.STORAGE_FAILED, reason, again ? before.sinceMillis() : wallClock.millis());
    if (again && before.reason().equals(reason)) {
      log.debug("replica still cannot use its storage id={} reason=\"{}\"", config.memberId(), reason);
    } else {
      log.error("replica stopped: storage unavailable id={} reason=\"{}\"", config.memberId(), reason);
    }
  }

  private void scheduleRecovery() {
    if (!closed) {
      thread.schedule(this::recover, recoveryDelay, TimeUnit.MILLISECONDS);
      recoveryDelay = Math.min(RECOVERY_MAX_MILLIS, recoveryDelay * 2);
    }
  }

  /**
   * Starts the replica again once the data directory has twice the minimum free (so that a disk
   * just at the threshold does not make it flap) and takes a synced write.
   */
  private void recover() {
    if (closed || replica != null) {
      return;
    }
    Optional<String> problem = probe.check(2 * config.minFreeBytes());
    if (problem.isPresent()) {
      Health h = health;
      health = new Health(ReplicaCondition.STORAGE_FAILED, problem.get(), h.sinceMillis());
      scheduleRecovery();
      return;
    }
    try {
      launch();
      recoveries.incrementAndGet();
      recoveryDelay = RECOVERY_MIN_MILLIS;
      log.info("replica restarted after a storage fault id={} recoveries={}", config.memberId(), recoveries.get());
    } catch (IOException | RuntimeException e) {
      StoreUnavailableException store = StoreUnavailableException.find(e);
      failed(store != null ? store.getMessage() : "raft server cannot start: " + StorageProbe.describe(e));
      scheduleRecovery();
    }
  }

  /** Stops a replica whose division died or whose disk fills up; on the supervisor thread. */
  private void watchdog() {
    Replica r = replica;
    if (closed || r == null) {
      return;
    }
    try {
      if (!r.alive()) {
        stop("raft server stopped unexpectedly");
        return;
      }
      long usable = probe.usableBytes();
      if (usable < config.minFreeBytes()) {
        stop("disk full: " + usable + " bytes usable under " + probe.directory() + ", at least " + config.minFreeBytes()
            + " needed");
      }
    } catch (IOException | UncheckedIOException e) {
      stop("cannot read the free space of " + probe.directory() + ": " + StorageProbe.describe(e));
    } catch (RuntimeException e) {
      log.warn("replica watchdog failed", e);
    }
  }

  /** The running replica, or null while it is stopped. */
  Replica replica() {
    return replica;
  }

  /** The latest applied state (the last one of a stopped replica). */
  ReplicaState state() {
    Replica r = replica;
    return r != null ? r.stateMachine().state() : lastState;
  }

  /** Stored events of the running replica (see {@link NodusStateMachine#events}). */
  List<Event> events(long from, long to, int max) {
    Replica r = replica;
    if (r == null) {
      throw new StorageException("replica of controller " + config.memberId() + " is stopped: " + health.reason());
    }
    return r.stateMachine().events(from, to, max);
  }

  /** The replica's condition as the Status call reports it. */
  ReplicaHealth health() {
    Health h = health;
    return ReplicaHealth.newBuilder().setCondition(h.condition()).setReason(h.reason()).setSinceMillis(h.sinceMillis())
        .setRecoveries(recoveries.get()).build();
  }

  @Override
  public String memberId() {
    return config.memberId();
  }

  @Override
  public String leaderId() {
    Replica r = replica;
    return r == null ? "" : r.backend().leaderId();
  }

  @Override
  public CompletableFuture<ByteString> submitEncoded(Command command) {
    Replica r;
    try {
      r = running();
    } catch (UnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    return r.backend().submitEncoded(command);
  }

  @Override
  public void awaitLinearizable() {
    running().backend().awaitLinearizable();
  }

  @Override
  public ReplicaState read(boolean stale) {
    Replica r = running();
    if (stale) {
      checkServing();
    } else {
      // ReadIndex: correct whether or not the replica has shown it is current yet.
      r.backend().awaitLinearizable();
    }
    return r.stateMachine().state();
  }

  @Override
  public void checkServing() {
    Health h = health;
    if (h.condition() != ReplicaCondition.SERVING) {
      throw refusal(h);
    }
  }

  @Override
  public ClusterStatus status() {
    Replica r = replica;
    ClusterStatus.Builder out;
    try {
      out = r != null ? r.backend().status().toBuilder() : stoppedStatus();
    } catch (RuntimeException e) {
      // Stopped while it answered.
      out = stoppedStatus();
    }
    return out.setHealth(health()).clearConfigurationNotes().addAllConfigurationNotes(configurationNotes).build();
  }

  private ClusterStatus.Builder stoppedStatus() {
    ReplicaState s = lastState;
    return ClusterStatus.newBuilder().setMemberId(config.memberId()).setRevision(s.image().revision())
        .setClusterUuid(s.clusterUuid());
  }

  @Override
  public MembershipResponse addMember(AddMemberRequest request) {
    return running().backend().addMember(request);
  }

  @Override
  public MembershipResponse removeMember(RemoveMemberRequest request) {
    return running().backend().removeMember(request);
  }

  /** The running replica, or an immediate refusal naming why there is none. */
  private Replica running() {
    Replica r = replica;
    Health h = health;
    if (r == null || h.condition() == ReplicaCondition.STORAGE_FAILED || h.condition() == ReplicaCondition.STOPPED) {
      throw refusal(h);
    }
    return r;
  }

  private UnavailableException refusal(Health h) {
    String id = config.memberId();
    return switch (h.condition()) {
      case STORAGE_FAILED -> new UnavailableException(UnavailableException.STORAGE_UNAVAILABLE,
          "controller " + id + " cannot use its storage: " + h.reason(), null);
      case STOPPED -> new UnavailableException("controller " + id + " is shutting down", null);
      default -> new UnavailableException(UnavailableException.REPLICA_NOT_READY,
          "controller " + id + " is " + h.condition().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
              + (h.reason().isEmpty() ? "" : ": " + h.reason()), null);
    };
  }

  /** Stops the watchdog and the replica. */
  @Override
  public void close() {
    closed = true;
    thread.shutdownNow();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    health = new Health(ReplicaCondition.STOPPED, "", wallClock.millis());
    Replica r = replica;
    replica = null;
    if (r != null) {
      lastState = r.stateMachine().state();
      r.close();
    }
  }
}
