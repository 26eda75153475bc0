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
import io.nodus.raft.storage.MemberIdentity;
import io.nodus.raft.watch.WatchService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One controller: the watch service, the Controller gRPC service (on the network and in-process)
 * and the {@link ReplicaSupervisor}, which runs the Raft server with the {@link NodusStateMachine}
 * and restarts it in-process after a storage fault. Works alone (the embedded single-controller
 * cluster) and as one member of a 3- or 5-member group.
 *
 * <p>Threading: {@link #start} and {@link #close} are called once, by the owner; everything else
 * is thread-safe.
 */
public final class ControllerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControllerServer.class);
  /** Events a watcher reads from storage at a time. */
  private static final int WATCH_BATCH = 256;

  private final ControllerConfig config;
  private final RaftClient raftClient;
  private final RaftClient adminClient;
  private final ReplicaSupervisor supervisor;
  private final WatchService watches;
  private final Server grpcServer;
  private final Server inProcessServer;
  private final String inProcessName;
  private final HostPort grpcAddress;

  private ControllerServer(ControllerConfig config, RaftClient raftClient, RaftClient adminClient, ReplicaSupervisor supervisor,
      WatchService watches, Server grpcServer, Server inProcessServer, String inProcessName) {
    this.config = config;
    this.raftClient = raftClient;
    this.adminClient = adminClient;
    this.supervisor = supervisor;
    this.watches = watches;
    this.grpcServer = grpcServer;
    this.inProcessServer = inProcessServer;
    this.inProcessName = inProcessName;
    this.grpcAddress = new HostPort(config.grpcBind().host(), grpcServer.getPort());
  }

  /**
   * Starts a controller and returns once its gRPC service listens (a leader may not be elected
   * yet, and the replica may be waiting for its storage: {@link #status()} says so).
   */
  public static ControllerServer start(ControllerConfig config) throws IOException {
    Files.createDirectories(config.dataDir());
    checkIdentity(config);
    RaftGroup group = RaftSettings.group(config);
    RaftClient raftClient = null;
    RaftClient adminClient = null;
    ReplicaSupervisor supervisor = null;
    WatchService watches = null;
    Server grpcServer = null;
    Server inProcess = null;
    try {
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
      supervisor = new ReplicaSupervisor(config, raftClient, adminClient, boundGrpc::get);
      ReplicaSupervisor s = supervisor;
      watches = new WatchService(config.memberId(), s::state, s::events, s::awaitLinearizable, WATCH_BATCH);
      ControllerService service = new ControllerService(supervisor, watches);
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
      inProcess = InProcessServerBuilder.forName(inProcessName).addService(service.definition()).build().start();
      WatchService w = watches;
      supervisor.start(new ReplicaSupervisor.Listener() {
        @Override
        public void onApplied() {
          w.onApplied();
        }

        @Override
        public void onStopped(String reason) {
          w.endAll(reason);
        }
      });
      ControllerServer server = new ControllerServer(config, raftClient, adminClient, supervisor, watches, grpcServer,
          inProcess, inProcessName);
      log.info("controller started id={} raft={} grpc={} peers={} join={} replica={}", config.memberId(), config.raftBind(),
          server.grpcAddress(), config.peers().size(), config.join(), supervisor.health().getCondition());
      return server;
    } catch (IOException | RuntimeException e) {
      if (grpcServer != null) {
        grpcServer.shutdownNow();
      }
      if (inProcess != null) {
        inProcess.shutdownNow();
      }
      if (watches != null) {
        watches.close();
      }
      closeQuietly(adminClient);
      closeQuietly(raftClient);
      closeQuietly(supervisor);
      throw e;
    }
  }

  /**
   * Refuses a data directory recorded for another member or cluster; records this one's identity
   * in a directory that has none (a new one, or one of a build before the record existed).
   */
  private static void checkIdentity(ControllerConfig config) {
    MemberIdentity mine = new MemberIdentity(config.memberId(), config.clusterName());
    Optional<MemberIdentity> recorded = MemberIdentity.read(config.dataDir());
    if (recorded.isEmpty()) {
      mine.write(config.dataDir());
      return;
    }
    MemberIdentity r = recorded.get();
    if (!r.memberId().equals(mine.memberId())) {
      throw new ConfigurationException("data directory " + config.dataDir() + " belongs to controller " + r.memberId()
          + " (recorded in " + MemberIdentity.FILE + "), not " + mine.memberId() + ": start it with --id " + r.memberId()
          + ", or give " + mine.memberId() + " a data directory of its own");
    }
    if (!r.clusterName().equals(mine.clusterName())) {
      throw new ConfigurationException("data directory " + config.dataDir() + " belongs to cluster '" + r.clusterName()
          + "' (recorded in " + MemberIdentity.FILE + "), not '" + mine.clusterName() + "'");
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

  /** The running replica's backend, for tests of what Raft keeps; throws while the replica is stopped. */
  RaftBackend backend() {
    return running().backend();
  }

  /** The running replica's state machine, for status pages and tests; throws while the replica is stopped. */
  public NodusStateMachine stateMachine() {
    return running().stateMachine();
  }

  private Replica running() {
    Replica r = supervisor.replica();
    if (r == null) {
      throw new IllegalStateException("the replica of controller " + config.memberId() + " is stopped: "
          + supervisor.health().getReason());
    }
    return r;
  }

  /** How this controller sees the group, with its replica's health. */
  public ClusterStatus status() {
    return supervisor.status();
  }

  /** Number of open watch streams. */
  public int activeWatchers() {
    return watches.activeWatchers();
  }

  /** Takes a snapshot now (a RocksDB checkpoint) and returns the log index it covers. */
  public long takeSnapshot() throws IOException {
    stateMachine().snapshotNow();
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
    // Unary calls still waiting on Raft end with UNAVAILABLE once the clients close.
    closeQuietly(adminClient);
    closeQuietly(raftClient);
    awaitOrKill(grpcServer);
    awaitOrKill(inProcessServer);
    long revision = supervisor.state().image().revision();
    closeQuietly(supervisor);
    log.info("controller stopped id={} revision={}", config.memberId(), revision);
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
