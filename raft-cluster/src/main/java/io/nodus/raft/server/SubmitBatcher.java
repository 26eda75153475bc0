package io.nodus.raft.server;

import io.nodus.raft.grpc.UnavailableException;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.CommandResults;
import io.nodus.state.proto.LoggedCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: commands submitted concurrently to this controller are sent to the Raft group as
 * one log entry, so a burst of N clients costs one replication round and one RocksDB write batch
 * instead of N. A command alone in the queue goes out at once (no added latency); while batches
 * are in flight, the next one gathers whatever arrives meanwhile.
 *
 * <p>Threading: callers block in {@link #submit} on their own threads; one sender thread drains
 * the queue and hands batches to the asynchronous Raft client; completion runs on Ratis' threads.
 * Every command keeps its own request id, so a batch that fails as a whole is retried command by
 * command by the callers, and the replicated deduplication window makes the retries exactly-once.
 */
final class SubmitBatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SubmitBatcher.class);
  /** Most commands in one entry. */
  static final int MAX_COMMANDS = 512;
  /** Largest entry, well below Ratis' 4 MiB AppendEntries limit. */
  static final int MAX_BYTES = 1 << 20;
  /**
   * Batches outstanding at once; Raft keeps their order. Few and large beats many and small: on
   * a 2-core machine each Raft entry costs about as much as tens of commands inside it (measured
   * with ops/bench/control-plane: 2 to 8 in flight gave the same commits per second, 4 the best tail).
   */
  static final int MAX_IN_FLIGHT = 4;
  private static final long TIMEOUT_SECONDS = 60;

  private record Pending(Command command, int size, CompletableFuture<CommandResult> result) {}

  private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final Function<LoggedCommand, CompletableFuture<CommandResults>> sender;
  private final Thread thread;
  private volatile boolean running = true;

  /** {@code sender} sends one entry's commands through Raft and completes with their answers. */
  SubmitBatcher(String memberId, Function<LoggedCommand, CompletableFuture<CommandResults>> sender) {
    this.sender = sender;
    this.thread = Thread.ofPlatform().daemon().name("submit-batcher-" + memberId).start(this::run);
  }

  /** Submits one command and waits for its answer. */
  CommandResult submit(Command command) {
    Pending p = new Pending(command, command.getSerializedSize(), new CompletableFuture<>());
    if (!running) {
      throw new UnavailableException("controller is stopping", null);
    }
    queue.add(p);
    try {
      return p.result().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new UnavailableException("raft group cannot order the command: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new UnavailableException("raft group did not answer within " + TIMEOUT_SECONDS + "s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for the raft group", e);
    }
  }

  private void run() {
    while (running) {
      try {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        inFlight.acquire();
        List<Pending> batch = new ArrayList<>();
        batch.add(first);
        int bytes = first.size();
        // Whatever queued up while the previous batches were in flight joins this one.
        while (batch.size() < MAX_COMMANDS) {
          Pending next = queue.peek();
          if (next == null || bytes + next.size() > MAX_BYTES) {
            break;
          }
          batch.add(queue.poll());
          bytes += next.size();
        }
        send(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        LOG.error("submit batcher failed error={}", e.toString(), e);
      }
    }
  }

  private void send(List<Pending> batch) {
    LoggedCommand.Builder entry = LoggedCommand.newBuilder();
    batch.forEach(p -> entry.addCommands(p.command()));
    CompletableFuture<CommandResults> reply;
    try {
      reply = sender.apply(entry.build());
    } catch (RuntimeException e) {
      inFlight.release();
      batch.forEach(p -> p.result().completeExceptionally(e));
      return;
    }
    reply.whenComplete((results, error) -> {
      inFlight.release();
      if (error != null) {
        batch.forEach(p -> p.result().completeExceptionally(error));
      } else if (results.getResultsCount() != batch.size()) {
        IllegalStateException broken = new IllegalStateException(
            "state machine answered " + results.getResultsCount() + " results for " + batch.size() + " commands");
        batch.forEach(p -> p.result().completeExceptionally(broken));
      } else {
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).result().complete(results.getResults(i));
        }
      }
    });
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    UnavailableException stopping = new UnavailableException("controller is stopping", null);
    Pending p;
    while ((p = queue.poll()) != null) {
      p.result().completeExceptionally(stopping);
    }
  }
}
