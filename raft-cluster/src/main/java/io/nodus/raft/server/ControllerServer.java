package io.nodus.raft.server;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.grpc.ControllerService;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.watch.WatchService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One controller: the Raft server with the {@link NodusStateMachine}, the watch service and the
 * Controller gRPC service (on the network and in-process). Works alone (the embedded
 * single-controller cluster) and as one member of a 3- or 5-member group.
 *
 * <p>Threading: {@link #start} and {@link #close} are called once, by the owner; everything else
 * is thread-safe.
 */
public final class ControllerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControllerServer.class);
  /** Events a watcher reads from storage at a time. */
  private static final int WATCH_BATCH = 256;

  private final ControllerConfig config;
  private final NodusStateMachine stateMachine;
  private final RaftServer raftServer;
  private final RaftClient raftClient;
  private final RaftClient adminClient;
  private final RaftBackend backend;
  private final WatchService watches;
  private final Server grpcServer;
  private final Server inProcessServer;
  private final String inProcessName;
  private final HostPort grpcAddress;

  private ControllerServer(ControllerConfig config, NodusStateMachine stateMachine, RaftServer raftServer,
      RaftClient raftClient, RaftClient adminClient, RaftBackend backend, WatchService watches, Server grpcServer,
      Server inProcessServer, String inProcessName) {
    this.config = config;
    this.stateMachine = stateMachine;
    this.raftServer = raftServer;
    this.raftClient = raftClient;
    this.adminClient = adminClient;
    this.backend = backend;
    this.watches = watches;
    this.grpcServer = grpcServer;
    this.inProcessServer = inProcessServer;
    this.inProcessName = inProcessName;
    this.grpcAddress = new HostPort(config.grpcBind().host(), grpcServer.getPort());
  }

  /** Starts a controller and returns once its gRPC service listens (a leader may not be elected yet). */
  public static ControllerServer start(ControllerConfig config) throws IOException {
    Files.createDirectories(config.dataDir());
    NodusStateMachine stateMachine = new NodusStateMachine(config.clock(), config.eventRetention());
    RaftGroup group = RaftSettings.group(config);
    Parameters parameters = new Parameters();
    parameters.put(PromptCommitRpc.NOTIFIER, stateMachine.commitNotifier(), PromptCommitRpc.CommitNotifier.class);
    RaftServer raftServer = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(config.memberId()))
        .setGroup(RaftSettings.serverGroup(config))
        .setStateMachine(stateMachine)
        .setProperties(RaftSettings.server(config))
        .setParameters(parameters)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    RaftClient raftClient = null;
    RaftClient adminClient = null;
    WatchService watches = null;
    Server grpcServer = null;
    try {
      raftServer.start();
      raftClient = RaftClient.newBuilder()
          .setProperties(RaftSettings.client())
          .setRaftGroup(group)
          .setRetryPolicy(RaftSettings.clientRetry())
          .build();
      adminClient = RaftClient.newBuilder()
          .setProperties(RaftSettings.adminClient())
          .setRaftGroup(group)
          .setRetryPolicy(RaftSettings.adminRetry())
          .build();
      AtomicReference<String> boundGrpc = new AtomicReference<>(config.grpcBind().toString());
      RaftBackend backend = new RaftBackend(config, raftServer.getDivision(group.getGroupId()), raftClient, adminClient,
          stateMachine, boundGrpc::get);
      watches = new WatchService(stateMachine::image, stateMachine::events, backend::awaitLinearizable, WATCH_BATCH);
      stateMachine.addAppliedListener(watches::onApplied);
      ControllerService service = new ControllerService(backend, watches);
      grpcServer = NettyServerBuilder
          .forAddress(new InetSocketAddress(config.grpcBind().host(), config.grpcBind().port()))
          .addService(service.definition())
          // Submit never blocks (it queues the command, and the answer comes back on a batch
          // completion): run it on the transport thread instead of handing each call to the
          // executor. Every other call may wait (reads, membership) and keeps the executor.
          .callExecutor(new ServerCallExecutorSupplier() {
            @Override
            public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
              return call.getMethodDescriptor().getFullMethodName().equals(ControllerService.SUBMIT.getFullMethodName())
                  ? Runnable::run : null;
            }
          })
          // Clients ping idle watch streams every 10 s; allow it.
          .permitKeepAliveTime(5, TimeUnit.SECONDS)
          .build()
          .start();
      boundGrpc.set(config.grpcBind().host() + ":" + grpcServer.getPort());
      String inProcessName = "nodus-controller-" + config.memberId() + "-" + UUID.randomUUID();
      Server inProcess = InProcessServerBuilder.forName(inProcessName).addService(service.definition()).build().start();
      ControllerServer server = new ControllerServer(config, stateMachine, raftServer, raftClient, adminClient, backend,
          watches, grpcServer, inProcess, inProcessName);
      log.info("controller started id={} raft={} grpc={} peers={} join={}", config.memberId(), config.raftBind(),
          server.grpcAddress(), config.peers().size(), config.join());
      return server;
    } catch (IOException | RuntimeException e) {
      if (grpcServer != null) {
        grpcServer.shutdownNow();
      }
      if (watches != null) {
        watches.close();
      }
      closeQuietly(adminClient);
      closeQuietly(raftClient);
      closeQuietly(raftServer);
      throw e;
    }
  }

  public String memberId() {
    return config.memberId();
  }

  public ControllerConfig config() {
    return config;
  }

  /** Where the Controller gRPC service listens (with the real port when the configured one was 0). */
  public HostPort grpcAddress() {
    return grpcAddress;
  }

  /** A client of this controller that stays in the process (for the REST API next to it); close it when done. */
  public ControlPlaneClient client() {
    return GrpcControlPlaneClient.builder().inProcess(inProcessName).build();
  }

  /** The state machine, for status pages and tests. */
  RaftBackend backend() {
    return backend;
  }

  public NodusStateMachine stateMachine() {
    return stateMachine;
  }

  /** How this controller sees the group. */
  public ClusterStatus status() {
    return backend.status();
  }

  /** Number of open watch streams. */
  public int activeWatchers() {
    return watches.activeWatchers();
  }

  /** Takes a snapshot now (a RocksDB checkpoint) and returns the log index it covers. */
  public long takeSnapshot() throws IOException {
    stateMachine.snapshotNow();
    RaftClientReply reply = raftClient.getSnapshotManagementApi(RaftPeerId.valueOf(config.memberId())).create(1, 30_000);
    if (!reply.isSuccess()) {
      throw new IOException("snapshot failed: " + reply.getException(), reply.getException());
    }
    return reply.getLogIndex();
  }

  /** Stops serving, ends the watches (clients resume elsewhere), then stops Raft and closes the store. */
  @Override
  public void close() {
    grpcServer.shutdown();
    inProcessServer.shutdown();
    watches.close();
    backend.close();
    // Unary calls still waiting on Raft end with UNAVAILABLE once the clients close.
    closeQuietly(adminClient);
    closeQuietly(raftClient);
    awaitOrKill(grpcServer);
    awaitOrKill(inProcessServer);
    closeQuietly(raftServer);
    log.info("controller stopped id={} revision={}", config.memberId(), stateMachine.image().revision());
  }

  private static void awaitOrKill(Server server) {
    try {
      if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      log.warn("close failed component={}", c.getClass().getSimpleName(), e);
    }
  }
}
