package io.nodus.raft.testing;

import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.raft.client.ControlPlaneException;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Concurrent writers that take one address each from an IPAM pool per command, which is not
 * idempotent: applied twice, a command would hold two addresses. Each command carries its own
 * request id; after a failed call (timeout, no leader, a killed controller) the writer sends the
 * same command under the same id again until it is acknowledged, and now and then it resends an
 * acknowledged one, as a client whose answer got lost would. Every answer is recorded for the
 * checks of {@link ExactlyOnce}.
 */
public final class Workload implements AutoCloseable {
  /** Attempts per command before a writer gives up on it (the cluster is down for good). */
  private static final int MAX_ATTEMPTS = 40;

  private final ControlPlaneClient client;
  private final String pool;
  private final AtomicBoolean stop = new AtomicBoolean();
  /** Writers hold the read side for one write; {@link #pause} takes the write side. */
  private final java.util.concurrent.locks.ReentrantReadWriteLock gate = new java.util.concurrent.locks.ReentrantReadWriteLock();
  private final List<Thread> threads = new ArrayList<>();
  private final Map<String, CommandResult> acknowledged = new ConcurrentHashMap<>();
  private final Set<String> attempted = ConcurrentHashMap.newKeySet();
  private final Set<String> abandoned = ConcurrentHashMap.newKeySet();
  private final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger failedCalls = new AtomicInteger();
  private final AtomicInteger resent = new AtomicInteger();
  private final String prefix;

  /** {@code prefix} keeps request ids of several workloads on one cluster apart. */
  public Workload(ControlPlaneClient client, String pool, String prefix) {
    this.client = client;
    this.pool = pool;
    this.prefix = prefix;
  }

  public Workload start(int writers) {
    for (int w = 0; w < writers; w++) {
      int writer = w;
      threads.add(Thread.ofPlatform().name("writer-" + prefix + w).start(() -> write(writer)));
    }
    return this;
  }

  private void write(int writer) {
    Random random = new Random(writer);
    for (int i = 0; !stop.get(); i++) {
      gate.readLock().lock();
      try {
        writeOne(random, prefix + writer + "-" + i);
      } finally {
        gate.readLock().unlock();
      }
    }
  }

  private void writeOne(Random random, String id) {
    {
      Command take = Fixtures.allocate(pool, id).toBuilder().setRequestId(id).build();
      attempted.add(id);
      CommandResult first = submit(take);
      if (first == null) {
        abandoned.add(id);
        return;
      }
      if (first.hasRejection()) {
        problems.add(id + " rejected: " + first.getRejection());
        return;
      }
      acknowledged.put(id, first);
      if (random.nextInt(5) == 0) {
        // The answer "got lost": the client sends the command again and must get the same answer.
        resent.incrementAndGet();
        CommandResult again = submit(take);
        if (again != null && !again.equals(first)) {
          problems.add(id + " answered differently on resend: " + first + " then " + again);
        }
      }
    }
  }

  /** Submits until an answer comes back; null after {@link #MAX_ATTEMPTS} failed calls. */
  private CommandResult submit(Command c) {
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        return client.submit(c);
      } catch (ControlPlaneException e) {
        failedCalls.incrementAndGet();
        // A controller may refuse at once (its disk failed): pause as a client would.
        try {
          Thread.sleep(25);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
    }
    return null;
  }

  /** Waits until {@code more} commands beyond those acknowledged so far are acknowledged. */
  /**
   * Lets the writes in flight finish and holds the writers until {@link #resume}, so that replicas
   * can be compared at rest. Call both from the same thread.
   */
  public void pause() {
    gate.writeLock().lock();
  }

  public void resume() {
    gate.writeLock().unlock();
  }

  public void awaitMore(int more, Duration timeout) {
    int count = acknowledged.size() + more;
    Await.until(timeout, count + " acknowledged writes (have " + acknowledged.size() + ")", () -> acknowledged.size() >= count);
  }

  public int acknowledgedCount() {
    return acknowledged.size();
  }

  /** Stops the writers after their current command is answered. */
  public void stop() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(120_000);
    }
  }

  public Map<String, CommandResult> acknowledged() {
    return Map.copyOf(acknowledged);
  }

  public Set<String> attempted() {
    return Set.copyOf(attempted);
  }

  public Set<String> abandoned() {
    return Set.copyOf(abandoned);
  }

  public List<String> problems() {
    return List.copyOf(problems);
  }

  public int failedCalls() {
    return failedCalls.get();
  }

  public int resent() {
    return resent.get();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
