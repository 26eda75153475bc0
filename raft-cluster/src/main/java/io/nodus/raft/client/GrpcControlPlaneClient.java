package io.nodus.raft.client;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nodus.raft.grpc.ControllerService;
import io.nodus.raft.grpc.UnavailableException;
import io.nodus.raft.proto.AddMemberRequest;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.MembershipResponse;
import io.nodus.raft.proto.RemoveMemberRequest;
import io.nodus.raft.proto.ControllerGrpc;
import io.nodus.raft.proto.GetRequest;
import io.nodus.raft.proto.GetResponse;
import io.nodus.raft.proto.ListRequest;
import io.nodus.raft.proto.ListResponse;
import io.nodus.raft.proto.ReadRequest;
import io.nodus.raft.proto.StatusRequest;
import io.nodus.raft.proto.SubmitRequest;
import io.nodus.raft.proto.SubmitResponse;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.ResourceKind;
import java.util.Set;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * {@link ControlPlaneClient} over gRPC to a list of controllers. A unary call goes to the
 * controller that answered last; on UNAVAILABLE it moves to the next address, round-robin, with
 * a growing pause after each full round, until its retry budget is spent. Any controller accepts
 * any call (followers forward writes through Raft); when a follower answers a write and names a
 * leader that is among the addresses, the next calls go to the leader, which saves the forwarding.
 *
 * <p>Thread-safe. Watch callbacks run on gRPC threads, one call at a time per watch.
 */
public final class GrpcControlPlaneClient implements ControlPlaneClient {
  /** Deadline of one membership change attempt: the new member may need a snapshot first. */
  private static final long MEMBERSHIP_TIMEOUT_MILLIS = 90_000;
  private static final long ASK_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final List<ManagedChannel> channels;
  private final List<ControllerGrpc.ControllerBlockingStub> blocking;
  private final List<ControllerGrpc.ControllerStub> async;
  private final AtomicInteger preferred = new AtomicInteger();
  /** Member id of the controller at each address, asked when first needed; null until then. */
  private final AtomicReferenceArray<String> memberIds;
  /** When addresses of unknown members were last asked (System.nanoTime), to ask at most every few seconds. */
  private long lastAsked = System.nanoTime() - ASK_INTERVAL_NANOS;
  private final Duration callTimeout;
  private final Duration retryBudget;
  private final ScheduledExecutorService timer;

  private GrpcControlPlaneClient(List<ManagedChannel> channels, Duration callTimeout, Duration retryBudget) {
    this.channels = List.copyOf(channels);
    this.blocking = this.channels.stream().map(ControllerGrpc::newBlockingStub).toList();
    this.async = this.channels.stream().map(ControllerGrpc::newStub).toList();
    this.memberIds = new AtomicReferenceArray<>(this.channels.size());
    this.callTimeout = callTimeout;
    this.retryBudget = retryBudget;
    this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("nodus-client-timer").factory());
  }

  /** A client of the controllers at {@code addresses} ({@code host:port}), with default timeouts. */
  public static GrpcControlPlaneClient connect(List<String> addresses) {
    return builder().addresses(addresses).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public CommandResult submit(Command command) {
    // The id is fixed before the first attempt, so every failover retry carries the same one.
    Command withId = command.getRequestId().isEmpty()
        ? command.toBuilder().setRequestId(UUID.randomUUID().toString()).build()
        : command;
    SubmitRequest request = SubmitRequest.newBuilder().setCommand(withId).build();
    SubmitResponse response = call(stub -> stub.submit(request));
    followLeader(response);
    return response.getResult();
  }

  /** A follower answered a write: if the leader it names is one of the addresses, prefer it. */
  private void followLeader(SubmitResponse response) {
    String leader = response.getLeaderId();
    if (leader.isEmpty() || leader.equals(response.getServedBy())) {
      return;
    }
    int i = addressOf(leader);
    if (i >= 0) {
      preferred.set(i);
    }
  }

  /** Index of the address where member {@code id} answers, or -1 when none is known to. */
  private synchronized int addressOf(String id) {
    boolean mayAsk = System.nanoTime() - lastAsked >= ASK_INTERVAL_NANOS;
    for (int i = 0; i < blocking.size(); i++) {
      String known = memberIds.get(i);
      if (known == null && mayAsk) {
        lastAsked = System.nanoTime();
        try {
          known = blocking.get(i).withDeadlineAfter(Math.min(callTimeout.toMillis(), 2_000), TimeUnit.MILLISECONDS)
              .status(StatusRequest.getDefaultInstance()).getMemberId();
          memberIds.set(i, known);
        } catch (StatusRuntimeException e) {
          // Unreachable now: asked again at a later write, not before ASK_INTERVAL.
        }
      }
      if (id.equals(known)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public ClusterState read(ReadConsistency consistency) {
    ReadRequest request = ReadRequest.newBuilder().setStale(consistency == ReadConsistency.STALE).build();
    return call(stub -> stub.read(request).getState());
  }

  @Override
  public GetResponse get(GetRequest request) {
    return call(stub -> stub.get(request));
  }

  @Override
  public ListResponse list(ListRequest request) {
    return call(stub -> stub.list(request));
  }

  @Override
  public ClusterStatus status() {
    return call(stub -> stub.status(StatusRequest.getDefaultInstance()));
  }

  @Override
  public WatchSubscription watch(WatchStart start, Set<ResourceKind> kinds, WatchListener listener) {
    for (ResourceKind k : kinds) {
      if (k == ResourceKind.RESOURCE_KIND_UNSPECIFIED || k == ResourceKind.UNRECOGNIZED) {
        throw new IllegalArgumentException(k + " is not a resource kind");
      }
    }
    ResumingWatch w = new ResumingWatch(this, start, kinds, listener);
    w.start();
    return w;
  }

  @Override
  public MembershipResponse addMember(String id, String raftAddress, String grpcAddress) {
    AddMemberRequest request = AddMemberRequest.newBuilder()
        .setId(id).setRaftAddress(raftAddress).setGrpcAddress(grpcAddress).build();
    // A change waits for the new member to catch up: give it more than an ordinary call.
    return call(stub -> stub.withDeadlineAfter(Math.max(callTimeout.toMillis(), MEMBERSHIP_TIMEOUT_MILLIS), TimeUnit.MILLISECONDS)
        .addMember(request));
  }

  @Override
  public MembershipResponse removeMember(String id) {
    RemoveMemberRequest request = RemoveMemberRequest.newBuilder().setId(id).build();
    return call(stub -> stub.withDeadlineAfter(Math.max(callTimeout.toMillis(), MEMBERSHIP_TIMEOUT_MILLIS), TimeUnit.MILLISECONDS)
        .removeMember(request));
  }

  @Override
  public void close() {
    timer.shutdownNow();
    channels.forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel c : channels) {
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  int controllers() {
    return channels.size();
  }

  /** The address of controller {@code index}, for reports. */
  String address(int index) {
    return channels.get(index).authority();
  }

  int preferred() {
    return preferred.get();
  }

  ControllerGrpc.ControllerStub asyncStub(int index) {
    return async.get(index % async.size());
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  /**
   * Runs a unary call, failing over across the controllers until the retry budget is spent. A
   * controller that refuses for a condition of its own replica (its storage failed, it is still
   * catching up) is skipped at once; when a whole round of controllers refused that way, the call
   * fails at once with that refusal instead of waiting out the budget: no pause will fix a full disk.
   */
  private <T> T call(Function<ControllerGrpc.ControllerBlockingStub, T> rpc) {
    long deadline = System.nanoTime() + retryBudget.toNanos();
    int start = preferred.get();
    long pause = 50;
    int replicaRefusals = 0;
    for (int attempt = 0; ; attempt++) {
      int i = (start + attempt) % blocking.size();
      try {
        T result = rpc.apply(blocking.get(i).withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS));
        preferred.set(i);
        return result;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
          // That controller may be frozen or partitioned away: the caller's retry (same request
          // id, so applied at most once) starts at the next one.
          preferred.compareAndSet(i, (i + 1) % blocking.size());
        }
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          throw translate(e);
        }
        if (UnavailableException.isReplicaCondition(code(e))) {
          replicaRefusals++;
          preferred.compareAndSet(i, (i + 1) % blocking.size());
        }
        if ((attempt + 1) % blocking.size() == 0) {
          if (replicaRefusals == blocking.size()) {
            throw translate(e);
          }
          replicaRefusals = 0;
          // A full round failed: an election or a restart is under way. Pause, then go round again.
          if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause) > deadline) {
            throw translate(e);
          }
          sleep(pause);
          pause = Math.min(1_000, pause * 2);
        }
      }
    }
  }

  /** The controller's stable code in a failure's trailers, or null. */
  static String code(Throwable t) {
    Metadata trailers = Status.trailersFromThrowable(t);
    return trailers == null ? null : trailers.get(ControllerService.CODE);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ControlPlaneException(ControlPlaneException.Reason.UNAVAILABLE, "interrupted", e);
    }
  }

  static ControlPlaneException translate(Throwable t) {
    Status s = Status.fromThrowable(t);
    ControlPlaneException.Reason reason = switch (s.getCode()) {
      case UNAVAILABLE, CANCELLED, ABORTED, RESOURCE_EXHAUSTED -> ControlPlaneException.Reason.UNAVAILABLE;
      case INVALID_ARGUMENT, FAILED_PRECONDITION -> ControlPlaneException.Reason.INVALID_ARGUMENT;
      case OUT_OF_RANGE -> ControlPlaneException.Reason.OUT_OF_RANGE;
      case DEADLINE_EXCEEDED -> ControlPlaneException.Reason.DEADLINE_EXCEEDED;
      default -> ControlPlaneException.Reason.INTERNAL;
    };
    String code = code(t);
    return code == null ? new ControlPlaneException(reason, String.valueOf(s.getDescription()), t)
        : new ControlPlaneException(reason, code, String.valueOf(s.getDescription()), t);
  }

  /** Builds a {@link GrpcControlPlaneClient}. */
  public static final class Builder {
    private final List<ManagedChannelBuilder<?>> channels = new ArrayList<>();
    private Duration callTimeout = Duration.ofSeconds(20);
    private Duration retryBudget = Duration.ofSeconds(30);
    private int maxInboundMessageBytes = 0;

    private Builder() {}

    /** Controllers to talk to, as {@code host:port}; tried in this order. */
    public Builder addresses(List<String> addresses) {
      for (String a : addresses) {
        channels.add(NettyChannelBuilder.forTarget(a)
            .usePlaintext()
            // Notices a vanished controller on an idle watch stream, not only on the next call.
            .keepAliveTime(10, TimeUnit.SECONDS)
            .keepAliveWithoutCalls(false));
      }
      return this;
    }

    /** A controller in this process, by the name of its in-process server. */
    public Builder inProcess(String serverName) {
      channels.add(InProcessChannelBuilder.forName(serverName));
      return this;
    }

    /** Deadline of one unary attempt (default 20 s; the controller itself retries elections for ~15 s). */
    public Builder callTimeout(Duration v) {
      callTimeout = v;
      return this;
    }

    /** How long a unary call keeps failing over before it gives up (default 30 s). */
    public Builder retryBudget(Duration v) {
      retryBudget = v;
      return this;
    }

    /**
     * Largest answer accepted (default gRPC's 4 MiB). A whole-state Read or an unpaged listing of
     * a large cluster exceeds it: page with List instead, or raise it here.
     */
    public Builder maxInboundMessageBytes(int v) {
      maxInboundMessageBytes = v;
      return this;
    }

    public GrpcControlPlaneClient build() {
      if (channels.isEmpty()) {
        throw new IllegalArgumentException("at least one controller address is needed");
      }
      List<ManagedChannel> built = new ArrayList<>();
      for (ManagedChannelBuilder<?> b : channels) {
        if (maxInboundMessageBytes > 0) {
          b.maxInboundMessageSize(maxInboundMessageBytes);
        }
        built.add(b.build());
      }
      return new GrpcControlPlaneClient(built, callTimeout, retryBudget);
    }
  }
}
