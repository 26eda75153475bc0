package io.nodus.raft;

import static io.nodus.raft.testing.Fixtures.upsertPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.ControlPlaneException;
import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.client.ReadConsistency;
import io.nodus.raft.client.WatchSubscription;
import io.nodus.raft.proto.ClusterStatus;
import io.nodus.raft.server.HostPort;
import io.nodus.raft.testing.Await;
import io.nodus.raft.testing.ControllerProcess;
import io.nodus.raft.testing.Fixtures;
import io.nodus.raft.testing.RecordingListener;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.Policy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance test of the replicated control plane: three controllers as separate JVM
 * processes take a stream of writes from several client threads; the leader is SIGKILLed in the
 * middle of it; writing goes on. Every acknowledged write must be on both survivors, and the
 * survivors must converge on the same state hash at the same revision. A watcher that started
 * before the kill sees every revision exactly once.
 */
class LeaderFailoverAcceptanceTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int WRITERS = 3;
  private static final int WRITES_BEFORE_KILL = 60;
  private static final int WRITES_AFTER_KILL = 60;

  @TempDir
  Path root;

  @Test
  void everyAcknowledgedWriteSurvivesTheLeadersDeath() throws Exception {
    List<ControllerProcess> controllers = new ArrayList<>();
    // Backstop: if this JVM dies before the finally block, the controllers die with it.
    Thread reaper = new Thread(() -> controllers.forEach(c -> c.handle().destroyForcibly()), "controller-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    List<ControlPlaneClient> clients = new ArrayList<>();
    try {
      String peers = "c1=127.0.0.1:" + Fixtures.freePort() + ",c2=127.0.0.1:" + Fixtures.freePort()
          + ",c3=127.0.0.1:" + Fixtures.freePort();
      for (String id : List.of("c1", "c2", "c3")) {
        controllers.add(ControllerProcess.start(id, peers, root.resolve(id), new HostPort("127.0.0.1", Fixtures.freePort())));
      }
      for (ControllerProcess c : controllers) {
        c.awaitReady(WAIT);
      }
      GrpcControlPlaneClient client = GrpcControlPlaneClient.connect(
          controllers.stream().map(c -> c.grpc().toString()).toList());
      clients.add(client);
      Await.until(WAIT, "a leader", () -> !client.status().getLeaderId().isEmpty());
      // A watcher on the first controller: if that is the one killed, the watch must fail over.
      RecordingListener watcher = new RecordingListener();
      WatchSubscription watch = client.watch(1, watcher);

      Set<String> acknowledged = ConcurrentHashMap.newKeySet();
      AtomicInteger failed = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        writers.add(Thread.ofPlatform().name("writer-" + w).start(() -> {
          for (int i = 0; !stop.get(); i++) {
            String name = "w" + writer + "-" + i;
            try {
              CommandResult r = client.submit(upsertPolicy(name));
              if (r.hasAccepted()) {
                acknowledged.add(name);
              }
            } catch (ControlPlaneException e) {
              failed.incrementAndGet(); // Not acknowledged: may or may not have been applied.
            }
          }
        }));
      }

      Await.until(WAIT, "writes before the kill", () -> acknowledged.size() >= WRITES_BEFORE_KILL);
      String leaderId = client.status().getLeaderId();
      ControllerProcess leader = controllers.stream().filter(c -> c.id().equals(leaderId)).findFirst().orElseThrow();
      int atKill = acknowledged.size();
      leader.kill();
      Await.until(WAIT, "writes after the kill", () -> acknowledged.size() >= atKill + WRITES_AFTER_KILL);
      stop.set(true);
      for (Thread t : writers) {
        t.join(WAIT.toMillis());
      }

      List<ControllerProcess> survivors = controllers.stream().filter(c -> c != leader).toList();
      List<GrpcControlPlaneClient> direct = survivors.stream()
          .map(c -> GrpcControlPlaneClient.connect(List.of(c.grpc().toString()))).toList();
      clients.addAll(direct);
      Await.until(WAIT, "survivors converge on one revision and state hash", () -> {
        ClusterStatus a = direct.get(0).status();
        ClusterStatus b = direct.get(1).status();
        return a.getRevision() == b.getRevision() && a.getStateHash().equals(b.getStateHash());
      });

      long revision = direct.get(0).status().getRevision();
      Await.until(WAIT, "the watcher sees every revision", () -> watcher.lastRevision() == revision);
      watch.close();
      assertThat(watcher.snapshots()).isEmpty();
      assertThat(watcher.eventRevisions()).isEqualTo(LongStream.rangeClosed(1, revision).boxed().toList());

      String newLeader = direct.get(0).status().getLeaderId();
      assertThat(newLeader).isNotEqualTo(leaderId).isIn(survivors.stream().map(ControllerProcess::id).toList());
      for (GrpcControlPlaneClient survivor : direct) {
        Set<String> names = survivor.read(ReadConsistency.STALE).getPoliciesList().stream()
            .map(Policy::getName).collect(Collectors.toSet());
        assertThat(names).as("policies on %s (%d acknowledged, %d failed calls)",
            survivor.status().getMemberId(), acknowledged.size(), failed.get()).containsAll(acknowledged);
      }
      assertThat(leader.isAlive()).isFalse();
      System.out.printf("failover killed=%s newLeader=%s acknowledged=%d atKill=%d failedCalls=%d revision=%d%n",
          leaderId, newLeader, acknowledged.size(), atKill, failed.get(), revision);
    } finally {
      clients.forEach(ControlPlaneClient::close);
      for (ControllerProcess c : controllers) {
        c.kill();
      }
      Runtime.getRuntime().removeShutdownHook(reaper);
    }
  }
}
