package io.nodus.raft.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.raft.grpc.UnavailableException;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.LoggedCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Group commit: commands submitted concurrently to this controller are sent to the Raft group as
 * one log entry, so a burst of N clients costs one replication round and one RocksDB write batch
 * instead of N. A command alone goes out at once (no added latency); while a batch is in flight,
 * the next one gathers whatever arrives meanwhile.
 *
 * <p>Threading: a submitting thread queues its command and, when fewer than {@link #MAX_IN_FLIGHT}
 * batches are outstanding, sends what is queued itself. A batch's answer is handled on this
 * batcher's completion thread (never on Ratis' own threads, which must not call back into Ratis):
 * it completes the batch's futures, frees the slot and sends what queued up meanwhile. Each side
 * checks the queue after its own step, so no command is left behind. Callers get a future and
 * never block here: one thread switch per batch, not one per command.
 * Every command keeps its own request id, so a batch that fails as a whole is retried command by
 * command by the callers, and the replicated deduplication window makes the retries exactly-once.
 */
final class SubmitBatcher implements AutoCloseable {
  /** Most commands in one entry. */
  static final int MAX_COMMANDS = 512;
  /** Largest entry, well below Ratis' 4 MiB AppendEntries limit. */
  static final int MAX_BYTES = 1 << 20;
  /**
   * Batches outstanding at once; Raft keeps their order. One: while an entry is replicated and
   * applied, everything that arrives gathers into the next, so entries are as large as the load
   * makes them and their fixed costs (an fsync and an AppendEntries per replica, a RocksDB write
   * batch, a retry-cache entry) are shared by more commands. Measured with ops/bench/control-plane
   * (3 controllers on 2 cores, back to back): 1 in flight gave 586, 3,629 and 7,928 commits per
   * second at 1, 16 and 128 clients, with 183 us of server CPU per command at 128; 2 in flight
   * gave 612, 3,009 and 7,228, with 214 us; 3 and 4 gave 6,035 and 6,304 at 128 clients.
   */
  static final int MAX_IN_FLIGHT = 1;
  /** How long a command waits for its answer before it fails as unavailable. */
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  private record Pending(Command command, int size, CompletableFuture<ByteString> result) {}

  private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final Function<LoggedCommand, CompletableFuture<List<ByteString>>> sender;
  private final ExecutorService completions;
  private final Duration timeout;
  private volatile boolean running = true;

  /**
   * {@code sender} sends one entry's commands through Raft and completes with their answers, each
   * an encoded CommandResult.
   */
  SubmitBatcher(String memberId, Function<LoggedCommand, CompletableFuture<List<ByteString>>> sender) {
    this(memberId, sender, TIMEOUT);
  }

  /** The same, with commands failing after {@code timeout} instead of {@link #TIMEOUT} (for tests). */
  SubmitBatcher(String memberId, Function<LoggedCommand, CompletableFuture<List<ByteString>>> sender, Duration timeout) {
    this.sender = sender;
    this.timeout = timeout;
    this.completions = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("submit-completions-" + memberId).factory());
  }

  /**
   * Submits one command; the future completes with its answer, or fails with an {@link
   * UnavailableException} when the Raft group cannot order it within {@link #TIMEOUT}.
   */
  CompletableFuture<CommandResult> submitAsync(Command command) {
    return submitEncodedAsync(command).thenApply(SubmitBatcher::parse);
  }

  /** The same, with the answer as the state machine encoded it. */
  CompletableFuture<ByteString> submitEncodedAsync(Command command) {
    if (!running) {
      return CompletableFuture.failedFuture(new UnavailableException("controller is stopping", null));
    }
    Pending p = new Pending(command, command.getSerializedSize(), new CompletableFuture<>());
    queue.add(p);
    if (!running && queue.remove(p)) {
      // close() ran between the check above and the add, and emptied the queue before this one
      // arrived: nothing would send it any more, so it fails now rather than at the timeout.
      p.result().completeExceptionally(new UnavailableException("controller is stopping", null));
      return p.result();
    }
    sendQueued();
    return p.result().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).exceptionallyCompose(this::unavailable);
  }

  private static CommandResult parse(ByteString encoded) {
    try {
      return CommandResult.parseFrom(encoded);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("state machine answered something other than a CommandResult", e);
    }
  }

  /** Submits one command and waits for its answer. */
  CommandResult submit(Command command) {
    try {
      return submitAsync(command).get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new UnavailableException("raft group cannot order the command: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted while waiting for the raft group", e);
    }
  }

  private <T> CompletableFuture<T> unavailable(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof TimeoutException) {
      return CompletableFuture.failedFuture(new UnavailableException("raft group did not answer within " + timeout.toMillis() + " ms", cause));
    }
    if (cause instanceof RuntimeException) {
      return CompletableFuture.failedFuture(cause);
    }
    return CompletableFuture.failedFuture(new UnavailableException("raft group cannot order the command: " + cause, cause));
  }

  /** Sends queued commands in batches while a batch slot is free. */
  private void sendQueued() {
    while (!queue.isEmpty() && inFlight.tryAcquire()) {
      List<Pending> batch = new ArrayList<>();
      // One batch is formed at a time, so that what was peeked is what is taken.
      synchronized (queue) {
        int bytes = 0;
        while (batch.size() < MAX_COMMANDS) {
          Pending next = queue.peek();
          if (next == null || (!batch.isEmpty() && bytes + next.size() > MAX_BYTES)) {
            break;
          }
          batch.add(queue.poll());
          bytes += next.size();
        }
      }
      if (batch.isEmpty()) {
        inFlight.release();
      } else {
        send(batch);
      }
    }
  }

  private void send(List<Pending> batch) {
    LoggedCommand.Builder entry = LoggedCommand.newBuilder();
    batch.forEach(p -> entry.addCommands(p.command()));
    CompletableFuture<List<ByteString>> reply;
    try {
      reply = sender.apply(entry.build());
    } catch (RuntimeException e) {
      inFlight.release();
      batch.forEach(p -> p.result().completeExceptionally(e));
      return;
    }
    reply.whenCompleteAsync((results, error) -> {
      inFlight.release();
      if (error != null) {
        batch.forEach(p -> p.result().completeExceptionally(error));
      } else if (results.size() != batch.size()) {
        IllegalStateException broken = new IllegalStateException(
            "state machine answered " + results.size() + " results for " + batch.size() + " commands");
        batch.forEach(p -> p.result().completeExceptionally(broken));
      } else {
        for (int i = 0; i < batch.size(); i++) {
          batch.get(i).result().complete(results.get(i));
        }
      }
      if (running) {
        sendQueued();
      }
    }, this::complete);
  }

  /** Runs a batch's completion on the completion thread, or here once the batcher is closed. */
  private void complete(Runnable completion) {
    try {
      completions.execute(completion);
    } catch (RejectedExecutionException e) {
      completion.run();
    }
  }

  @Override
  public void close() {
    running = false;
    completions.shutdown();
    UnavailableException stopping = new UnavailableException("controller is stopping", null);
    List<Pending> left = new ArrayList<>();
    synchronized (queue) {
      Pending p;
      while ((p = queue.poll()) != null) {
        left.add(p);
      }
    }
    left.forEach(p -> p.result().completeExceptionally(stopping));
  }
}
