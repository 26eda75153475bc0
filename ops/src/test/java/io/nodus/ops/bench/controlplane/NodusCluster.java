package io.nodus.ops.bench.controlplane;

import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.proto.ClusterStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Three `nodus controller` processes on loopback, and a client of all three. */
final class NodusCluster implements AutoCloseable {
  private final List<Process> processes;
  private final List<String> grpc;
  private final List<String> rest;
  private final GrpcControlPlaneClient client;

  private NodusCluster(List<Process> processes, List<String> grpc, List<String> rest, GrpcControlPlaneClient client) {
    this.processes = processes;
    this.grpc = grpc;
    this.rest = rest;
    this.client = client;
  }

  static NodusCluster start(Processes launcher, Path dir) throws Exception {
    return start(launcher, dir, false);
  }

  /** @param withRest each controller also serves the REST API (see {@link #restAddresses}) */
  static NodusCluster start(Processes launcher, Path dir, boolean withRest) throws Exception {
    List<Integer> raft = List.of(Processes.freePort(), Processes.freePort(), Processes.freePort());
    List<String> grpc = new ArrayList<>();
    StringBuilder peers = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      peers.append(i == 0 ? "" : ",").append("c").append(i + 1).append("=127.0.0.1:").append(raft.get(i));
      grpc.add("127.0.0.1:" + Processes.freePort());
    }
    List<Process> ps = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<String> args = new ArrayList<>(List.of("controller", "--id", "c" + (i + 1), "--data-dir", dir.resolve("c" + (i + 1)).toString(),
          "--peers", peers.toString(), "--grpc", grpc.get(i)));
      if (withRest) {
        rest.add("127.0.0.1:" + Processes.freePort());
        args.addAll(List.of("--rest", rest.get(i)));
      }
      ps.add(launcher.nodus("nodus-c" + (i + 1), args.toArray(String[]::new)));
    }
    GrpcControlPlaneClient client = GrpcControlPlaneClient.builder().addresses(grpc).callTimeout(Duration.ofSeconds(30)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        ClusterStatus s = client.status();
        if (!s.getLeaderId().isEmpty() && s.getMembersCount() == 3) {
          break;
        }
      } catch (RuntimeException e) {
        // Not serving yet.
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the Nodus cluster did not elect a leader within 60s; logs in " + launcher.logs());
      }
      Thread.sleep(200);
    }
    return new NodusCluster(ps, grpc, rest, client);
  }

  GrpcControlPlaneClient client() {
    return client;
  }

  List<String> grpcAddresses() {
    return grpc;
  }

  /** host:port of each controller's REST API, in the order of {@link #grpcAddresses}; empty without REST. */
  List<String> restAddresses() {
    return rest;
  }

  @Override
  public void close() throws InterruptedException {
    client.close();
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      p.waitFor();
    }
  }
}
