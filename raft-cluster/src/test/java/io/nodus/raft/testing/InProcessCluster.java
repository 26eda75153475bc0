package io.nodus.raft.testing;

import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.proto.ReplicaCondition;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.ControllerServer;
import io.nodus.raft.server.HostPort;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Several controllers of one group in this JVM, on loopback ports chosen at runtime. */
public final class InProcessCluster implements AutoCloseable {
  private final List<ControllerConfig> configs = new ArrayList<>();
  private final ControllerServer[] servers;

  public InProcessCluster(Path root, int size, UnaryOperator<ControllerConfig.Builder> tune) throws Exception {
    Map<String, HostPort> peers = new LinkedHashMap<>();
    for (int i = 1; i <= size; i++) {
      peers.put("c" + i, new HostPort("127.0.0.1", Fixtures.freePort()));
    }
    Map<String, HostPort> grpc = new LinkedHashMap<>();
    for (String id : peers.keySet()) {
      grpc.put(id, new HostPort("127.0.0.1", Fixtures.freePort()));
    }
    for (String id : peers.keySet()) {
      ControllerConfig.Builder b = ControllerConfig.builder()
          .memberId(id)
          .peers(peers)
          .dataDir(root.resolve(id))
          .grpcBind(grpc.get(id))
          .clock(Fixtures.CLOCK);
      grpc.forEach((other, addr) -> {
        if (!other.equals(id)) {
          b.peerGrpcAddress(other, addr);
        }
      });
      configs.add(tune.apply(b).build());
    }
    servers = new ControllerServer[size];
    try {
      for (int i = 0; i < size; i++) {
        start(i);
      }
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  public void start(int i) throws Exception {
    servers[i] = ControllerServer.start(configs.get(i));
  }

  public void stop(int i) {
    if (servers[i] != null) {
      servers[i].close();
      servers[i] = null;
    }
  }

  public ControllerServer server(int i) {
    return servers[i];
  }

  public int size() {
    return servers.length;
  }

  /**
   * Index of the member every running member agrees is the leader, waiting for an election and
   * for every running member to serve (a member serves once it has shown it is current).
   */
  public int awaitLeader(Duration timeout) {
    int[] leader = {-1};
    Await.until(timeout, "a leader all running members agree on, every member serving", () -> {
      String id = null;
      for (ControllerServer s : servers) {
        if (s == null) {
          continue;
        }
        ClusterStatus st = s.status();
        if (st.getLeaderId().isEmpty() || (id != null && !id.equals(st.getLeaderId()))
            || st.getHealth().getCondition() != ReplicaCondition.SERVING) {
          return false;
        }
        id = st.getLeaderId();
      }
      for (int i = 0; i < servers.length; i++) {
        if (servers[i] != null && servers[i].memberId().equals(id)) {
          leader[0] = i;
          return true;
        }
      }
      return false;
    });
    return leader[0];
  }

  @Override
  public void close() {
    for (int i = 0; i < servers.length; i++) {
      try {
        stop(i);
      } catch (RuntimeException e) {
        servers[i] = null;
      }
    }
  }
}
