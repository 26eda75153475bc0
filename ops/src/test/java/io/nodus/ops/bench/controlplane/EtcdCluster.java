package io.nodus.ops.bench.controlplane;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Three etcd members (Debian's etcd-server) on loopback: the baseline Cilium would lean on. */
final class EtcdCluster implements AutoCloseable {
  private final List<Process> processes;
  private final List<String> endpoints;

  private EtcdCluster(List<Process> processes, List<String> endpoints) {
    this.processes = processes;
    this.endpoints = endpoints;
  }

  static EtcdCluster start(Processes launcher, Path dir) throws Exception {
    List<Integer> peer = List.of(Processes.freePort(), Processes.freePort(), Processes.freePort());
    List<Integer> client = List.of(Processes.freePort(), Processes.freePort(), Processes.freePort());
    StringBuilder initial = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      initial.append(i == 0 ? "" : ",").append("e").append(i + 1).append("=http://127.0.0.1:").append(peer.get(i));
    }
    List<Process> ps = new ArrayList<>();
    List<String> endpoints = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String c = "http://127.0.0.1:" + client.get(i);
      String p = "http://127.0.0.1:" + peer.get(i);
      endpoints.add(c);
      // History bounded as in production, and as the controllers bound theirs (100,000 events):
      // etcd keeps every revision unless compacted, its index grows with them, and a member
      // without compaction stops taking writes at its space quota. Periodic compaction every 10 s,
      // to the revision of 10 s before, keeps 10 to 20 s of history: 60,000 to 140,000 revisions at
      // this benchmark's rates (etcd 3.4's revision mode compacts only every 5 minutes).
      ps.add(launcher.start("etcd-e" + (i + 1), List.of("etcd", "--name", "e" + (i + 1),
          "--data-dir", dir.resolve("e" + (i + 1)).toString(),
          "--listen-client-urls", c, "--advertise-client-urls", c,
          "--listen-peer-urls", p, "--initial-advertise-peer-urls", p,
          "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
          "--initial-cluster-token", "nodus-bench", "--log-level", "warn",
          "--auto-compaction-mode", "periodic", "--auto-compaction-retention", "10s")));
    }
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (String e : endpoints) {
      while (true) {
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(e + "/health")).build(), HttpResponse.BodyHandlers.ofString());
          if (r.body().contains("\"health\":\"true\"")) {
            break;
          }
        } catch (java.io.IOException ex) {
          // Not listening yet.
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("etcd did not become healthy within 60s; logs in " + launcher.logs());
        }
        Thread.sleep(200);
      }
    }
    return new EtcdCluster(ps, endpoints);
  }

  String[] endpoints() {
    return endpoints.toArray(String[]::new);
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      p.waitFor();
    }
  }
}
