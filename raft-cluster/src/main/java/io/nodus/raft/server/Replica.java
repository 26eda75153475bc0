package io.nodus.raft.server;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.util.ExitUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One life of a controller's Raft member: a Ratis server with a fresh {@link NodusStateMachine}
 * over the data directory, and the {@link RaftBackend} that talks to it. A storage fault ends a
 * life; the {@link ReplicaSupervisor} starts the next one in the same process, which opens the
 * store and the log from disk again, as a process restart would.
 *
 * <p>Threading: created and closed by the supervisor; its parts are thread-safe.
 */
final class Replica implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Replica.class);
  /** How long a starting replica waits for its Raft address to be free (the last life's socket closing). */
  private static final Duration RAFT_PORT_WAIT = Duration.ofSeconds(10);

  static {
    // Ratis ends the whole JVM (System.exit) when, say, its gRPC server cannot bind. A controller
    // restarts its replica in process (storage recovery): Ratis throws instead, and the supervisor
    // retries the replica like any other start that failed.
    ExitUtils.disableSystemExit();
  }

  private final NodusStateMachine stateMachine;
  private final RaftServer server;
  private final RaftServer.Division division;
  private final RaftBackend backend;

  private Replica(NodusStateMachine stateMachine, RaftServer server, RaftServer.Division division, RaftBackend backend) {
    this.stateMachine = stateMachine;
    this.server = server;
    this.division = division;
    this.backend = backend;
  }

  /**
   * Starts a Ratis server on the configured Raft address with a new state machine.
   *
   * @param faults told when the state machine's storage fails (on Ratis' threads)
   * @param onApplied run on the apply thread after each new image
   * @throws IOException when the server cannot start; a {@link StoreUnavailableException} in its
   *     causes means the store could not be opened
   */
  static Replica start(ControllerConfig config, RaftClient client, RaftClient admin, Supplier<String> grpcAddress,
      Consumer<String> faults, Runnable onApplied) throws IOException {
    NodusStateMachine stateMachine = new NodusStateMachine(config.clock(), () -> System.nanoTime() / 1_000_000,
        config.eventRetention(), faults);
    RaftGroup group = RaftSettings.group(config);
    Parameters parameters = new Parameters();
    parameters.put(PromptCommitRpc.NOTIFIER, stateMachine.commitNotifier(), PromptCommitRpc.CommitNotifier.class);
    RaftServer server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(config.memberId()))
        .setGroup(RaftSettings.serverGroup(config))
        .setStateMachine(stateMachine)
        .setProperties(RaftSettings.server(config))
        .setParameters(parameters)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    try {
      awaitFree(config.raftBind());
      server.start();
      RaftServer.Division division = server.getDivision(group.getGroupId());
      stateMachine.addAppliedListener(onApplied);
      RaftBackend backend = new RaftBackend(config, division, client, admin, stateMachine, grpcAddress);
      return new Replica(stateMachine, server, division, backend);
    } catch (IOException | RuntimeException e) {
      closeQuietly(server);
      throw e;
    }
  }

  /**
   * Waits until {@code bind} can be bound: the previous life of this replica, in this process,
   * closes its Raft server asynchronously, and its socket may still listen for a moment.
   */
  private static void awaitFree(HostPort bind) throws IOException {
    if (bind.port() == 0) {
      return;
    }
    long deadline = System.nanoTime() + RAFT_PORT_WAIT.toNanos();
    while (true) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.bind(new InetSocketAddress(bind.host(), bind.port()));
        return;
      } catch (BindException e) {
        if (System.nanoTime() > deadline) {
          throw new IOException("raft address " + bind + " stays in use: " + e.getMessage(), e);
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted waiting for raft address " + bind);
      }
    }
  }

  NodusStateMachine stateMachine() {
    return stateMachine;
  }

  RaftServer.Division division() {
    return division;
  }

  RaftBackend backend() {
    return backend;
  }

  /** Whether the Ratis division still runs (Ratis closes it on some internal failures). */
  boolean alive() {
    return division.getInfo().isAlive();
  }

  /** Stops batching, then the Ratis server, which closes the state machine and its store. */
  @Override
  public void close() {
    backend.close();
    closeQuietly(server);
  }

  private static void closeQuietly(RaftServer server) {
    try {
      server.close();
    } catch (IOException | RuntimeException e) {
      log.warn("raft server did not close cleanly error={}", e.toString());
    }
  }
}
