package io.nodus.raft.testing;

import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.ReplicaCondition;
import io.nodus.raft.server.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Controllers as separate JVM processes ({@link ControllerProcess}) on loopback, with the
 * operations fault tests need: kill, pause, restart, add a joining member, and waiting until the
 * live members agree on one revision, state hash and request window. {@link #close} kills every
 * process it started, also when the test JVM exits early.
 */
public final class ProcessCluster implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(60);

  private final Path root;
  private final List<String> flags;
  private final Map<String, Map<String, String>> environments;
  private final Map<String, HostPort> raft = new LinkedHashMap<>();
  private final Map<String, HostPort> grpc = new LinkedHashMap<>();
  private final Map<String, ControllerProcess> processes = new LinkedHashMap<>();
  private final List<GrpcControlPlaneClient> clients = new ArrayList<>();
  private final Thread reaper;

  /** Starts controllers {@code ids} with extra {@code ControllerMain} {@code flags} and waits until each serves. */
  public ProcessCluster(Path root, List<String> ids, List<String> flags) throws Exception {
    this(root, ids, flags, Map.of());
  }

  /**
   * The same, with environment variables for some members' processes (e.g. libfaketime's, to run
   * one under a skewed clock), by member id.
   */
  public ProcessCluster(Path root, List<String> ids, List<String> flags, Map<String, Map<String, String>> environments)
      throws Exception {
    this.root = root;
    this.flags = List.copyOf(flags);
    this.environments = Map.copyOf(environments);
    this.reaper = new Thread(() -> processes.values().forEach(p -> p.handle().destroyForcibly()), "controller-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    for (String id : ids) {
      raft.put(id, new HostPort("127.0.0.1", Fixtures.freePort()));
      grpc.put(id, new HostPort("127.0.0.1", Fixtures.freePort()));
    }
    try {
      for (String id : ids) {
        processes.put(id, launch(id, List.of()));
      }
      for (ControllerProcess p : processes.values()) {
        p.awaitReady(READY);
      }
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  private String peers() {
    StringBuilder sb = new StringBuilder();
    raft.forEach((id, addr) -> sb.append(sb.isEmpty() ? "" : ",").append(id).append('=').append(addr));
    return sb.toString();
  }

  private ControllerProcess launch(String id, List<String> more) throws Exception {
    List<String> all = new ArrayList<>(flags);
    all.addAll(more);
    return ControllerProcess.start(id, peers(), root.resolve(id), grpc.get(id), all, environments.getOrDefault(id, Map.of()));
  }

  /** Starts a new controller with {@code --join}: it serves, but votes only once the group adds it. */
  public ControllerProcess startJoining(String id) throws Exception {
    raft.put(id, new HostPort("127.0.0.1", Fixtures.freePort()));
    grpc.put(id, new HostPort("127.0.0.1", Fixtures.freePort()));
    ControllerProcess p = launch(id, List.of("--join"));
    processes.put(id, p);
    p.awaitReady(READY);
    return p;
  }

  public ControllerProcess process(String id) {
    return processes.get(id);
  }

  public Collection<String> ids() {
    return processes.keySet();
  }

  public HostPort raftAddress(String id) {
    return raft.get(id);
  }

  public HostPort grpcAddress(String id) {
    return grpc.get(id);
  }

  /** SIGKILL, then the same member again on the same ports and data directory. */
  public void restart(String id) throws Exception {
    processes.get(id).kill();
    ControllerProcess p = launch(id, List.of());
    processes.put(id, p);
    p.awaitReady(READY);
  }

  /** Starts a member that was killed, on the same ports and data directory. */
  public void start(String id) throws Exception {
    ControllerProcess p = launch(id, List.of());
    processes.put(id, p);
    p.awaitReady(READY);
  }

  /**
   * A client of every member, trying {@code first} first: each test client starts on a different
   * controller. Short call deadlines, so that a paused controller costs a retry, not a stall.
   */
  public GrpcControlPlaneClient client(String first) {
    List<String> order = new ArrayList<>();
    order.add(grpc.get(first).toString());
    grpc.forEach((id, addr) -> {
      if (!id.equals(first)) {
        order.add(addr.toString());
      }
    });
    GrpcControlPlaneClient c = GrpcControlPlaneClient.builder().addresses(order)
        .callTimeout(Duration.ofSeconds(3)).retryBudget(Duration.ofSeconds(20)).build();
    clients.add(c);
    return c;
  }

  /** A client of one member only. */
  public GrpcControlPlaneClient direct(String id) {
    GrpcControlPlaneClient c = GrpcControlPlaneClient.builder().addresses(List.of(grpc.get(id).toString()))
        .callTimeout(Duration.ofSeconds(5)).retryBudget(Duration.ofSeconds(5)).build();
    clients.add(c);
    return c;
  }

  /** The leader's id as the live members {@code live} agree on it, once each of them serves. */
  public String awaitLeader(Collection<String> live, Duration timeout) {
    return Await.value(timeout, "a leader the live members agree on, each serving", () -> {
      String leader = null;
      for (String id : live) {
        ClusterStatus status = statusOf(id);
        String l = status.getLeaderId();
        if (l.isEmpty() || (leader != null && !leader.equals(l))) {
          throw new IllegalStateException("no agreed leader yet: " + id + " says '" + l + "'");
        }
        if (status.getHealth().getCondition() != ReplicaCondition.SERVING) {
          throw new IllegalStateException(id + " does not serve yet: " + status.getHealth());
        }
        leader = l;
      }
      return leader;
    });
  }

  /**
   * Waits until the members {@code live} report the same revision, state hash and request window
   * hash, and returns one of their statuses.
   */
  public ClusterStatus awaitConvergence(Collection<String> live, Duration timeout) {
    return Await.value(timeout, "members " + live + " converge", () -> {
      ClusterStatus first = null;
      for (String id : live) {
        ClusterStatus s = statusOf(id);
        if (first == null) {
          first = s;
        } else if (s.getRevision() != first.getRevision() || !s.getStateHash().equals(first.getStateHash())
            || !s.getRequestWindowHash().equals(first.getRequestWindowHash())) {
          throw new IllegalStateException("not converged: " + first.getMemberId() + "@" + first.getRevision()
              + " state " + first.getStateHash().substring(0, 12) + " window " + first.getRequestWindowHash().substring(0, 12)
              + " vs " + s.getMemberId() + "@" + s.getRevision()
              + " state " + s.getStateHash().substring(0, 12) + " window " + s.getRequestWindowHash().substring(0, 12));
        }
      }
      return first;
    });
  }

  private final Map<String, GrpcControlPlaneClient> statusClients = new LinkedHashMap<>();

  /** The status as member {@code id} itself reports it. */
  public synchronized ClusterStatus statusOf(String id) {
    return statusClients.computeIfAbsent(id, this::direct).status();
  }

  /** The last lines of every member's log, for failure messages. */
  public String logs() {
    StringBuilder sb = new StringBuilder();
    processes.forEach((id, p) -> sb.append("---- ").append(id).append('\n').append(p.tail()).append('\n'));
    return sb.toString();
  }

  @Override
  public void close() {
    clients.forEach(GrpcControlPlaneClient::close);
    for (ControllerProcess p : processes.values()) {
      try {
        p.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down; the reaper runs anyway.
    }
  }
}
