package io.nodus.raft.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.nodus.raft.grpc.UnavailableException;
import io.nodus.state.proto.Accepted;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.RegisterNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit against a fake Raft: a sender that records each entry and the thread that sent it,
 * and answers only when the test completes its future, from a thread that stands for Ratis'.
 */
class SubmitBatcherTest {
  private static final String MEMBER = "c1";
  private static final String COMPLETION_THREAD = "submit-completions-" + MEMBER;
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final FakeRaft raft = new FakeRaft();
  private final ExecutorService ratisThread = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("fake-ratis").factory());
  private SubmitBatcher batcher = new SubmitBatcher(MEMBER, raft);

  @AfterEach
  void tearDown() {
    batcher.close();
    ratisThread.shutdownNow();
  }

  @Test
  void aLoneCommandIsSentAtOnceFromTheSubmittingThread() throws Exception {
    CompletableFuture<CommandResult> answer = batcher.submitAsync(command(1));

    Sent sent = raft.sentNow();
    assertThat(ids(sent.entry())).containsExactly("cmd-1");
    assertThat(sent.thread()).isEqualTo(Thread.currentThread().getName());
    sent.answerFrom(ratisThread);
    assertThat(answer.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(answerTo(1));
  }

  @Test
  void commandsArrivingWhileABatchIsInFlightGoTogetherIntoTheNextFromTheCompletionThread() throws Exception {
    CompletableFuture<CommandResult> first = batcher.submitAsync(command(1));
    Sent inFlight = raft.sentNow();
    List<CompletableFuture<CommandResult>> waiting = new ArrayList<>();
    for (int i = 2; i <= 5; i++) {
      waiting.add(batcher.submitAsync(command(i)));
    }
    raft.assertNothingSent();
    assertThat(waiting).noneMatch(CompletableFuture::isDone);

    inFlight.answerFrom(ratisThread);

    Sent next = raft.next();
    assertThat(ids(next.entry())).containsExactly("cmd-2", "cmd-3", "cmd-4", "cmd-5");
    assertThat(next.thread()).isEqualTo(COMPLETION_THREAD);
    assertThat(first.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(answerTo(1));
    raft.assertNothingSent();
  }

  @Test
  void eachCommandOfABatchGetsItsOwnAnswerOnTheCompletionThread() throws Exception {
    batcher.submitAsync(command(0));
    Sent inFlight = raft.sentNow();
    List<CompletableFuture<CommandResult>> answers = new ArrayList<>();
    Set<String> answeredOn = ConcurrentHashMap.newKeySet();
    for (int i = 1; i <= 6; i++) {
      CompletableFuture<CommandResult> answer = batcher.submitAsync(command(i));
      answer.whenComplete((r, e) -> answeredOn.add(Thread.currentThread().getName()));
      answers.add(answer);
    }
    inFlight.answerFrom(ratisThread);
    Sent batch = raft.next();

    batch.answerFrom(ratisThread);

    for (int i = 1; i <= 6; i++) {
      assertThat(answers.get(i - 1).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(answerTo(i));
    }
    // Ratis' thread only hands the reply over: callers' continuations never run on it.
    assertThat(answeredOn).containsExactly(COMPLETION_THREAD);
  }

  @Test
  void aBatchHoldsAtMost512Commands() throws Exception {
    batcher.submitAsync(command(0));
    Sent inFlight = raft.sentNow();
    List<CompletableFuture<CommandResult>> answers = new ArrayList<>();
    for (int i = 1; i <= 1100; i++) {
      answers.add(batcher.submitAsync(command(i)));
    }

    inFlight.answerFrom(ratisThread);
    List<Integer> sizes = new ArrayList<>();
    for (int batches = 0; batches < 3; batches++) {
      Sent sent = raft.next();
      sizes.add(sent.entry().getCommandsCount());
      sent.answerFrom(ratisThread);
    }

    assertThat(SubmitBatcher.MAX_COMMANDS).isEqualTo(512);
    assertThat(sizes).containsExactly(512, 512, 76);
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    raft.assertNothingSent();
  }

  @Test
  void aBatchHoldsAtMostOneMebibyteOfCommands() throws Exception {
    batcher.submitAsync(command(0));
    Sent inFlight = raft.sentNow();
    // Three fit under the limit, a fourth does not.
    int size = SubmitBatcher.MAX_BYTES / 4 + 1_000;
    for (int i = 1; i <= 7; i++) {
      Command c = command(i, size);
      assertThat(c.getSerializedSize()).isBetween(size, SubmitBatcher.MAX_BYTES / 3);
      batcher.submitAsync(c);
    }

    inFlight.answerFrom(ratisThread);
    List<List<String>> batches = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Sent sent = raft.next();
      batches.add(ids(sent.entry()));
      sent.answerFrom(ratisThread);
    }

    assertThat(batches).containsExactly(List.of("cmd-1", "cmd-2", "cmd-3"), List.of("cmd-4", "cmd-5", "cmd-6"), List.of("cmd-7"));
  }

  @Test
  void aCommandLargerThanTheLimitGoesAloneInsteadOfWaitingForever() throws Exception {
    batcher.submitAsync(command(0));
    Sent inFlight = raft.sentNow();
    batcher.submitAsync(command(1));
    CompletableFuture<CommandResult> large = batcher.submitAsync(command(2, SubmitBatcher.MAX_BYTES + 1));
    batcher.submitAsync(command(3));

    inFlight.answerFrom(ratisThread);
    List<List<String>> batches = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Sent sent = raft.next();
      batches.add(ids(sent.entry()));
      sent.answerFrom(ratisThread);
    }

    assertThat(batches).containsExactly(List.of("cmd-1"), List.of("cmd-2"), List.of("cmd-3"));
    assertThat(large.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(answerTo(2));
  }

  @Test
  void aFailedBatchFailsEachOfItsCallersAsUnavailableAndTheNextBatchStillGoes() throws Exception {
    Queued queued = batchOfTwoBehindOne();
    List<CompletableFuture<CommandResult>> failing = queued.answers();
    Sent batch = queued.batch();
    CompletableFuture<CommandResult> later = batcher.submitAsync(command(3));

    IOException lost = new IOException("connection to the leader lost");
    ratisThread.execute(() -> batch.reply().completeExceptionally(lost));

    for (CompletableFuture<CommandResult> f : failing) {
      assertThat(failure(f)).isInstanceOf(UnavailableException.class).hasCause(lost);
    }
    Sent next = raft.next();
    assertThat(ids(next.entry())).containsExactly("cmd-3");
    next.answerFrom(ratisThread);
    assertThat(later.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(answerTo(3));
  }

  /** Commands 1 and 2 and the batch they were sent in, once they waited behind command 0. */
  private record Queued(List<CompletableFuture<CommandResult>> answers, Sent batch) {}

  private Queued batchOfTwoBehindOne() {
    batcher.submitAsync(command(0));
    Sent inFlight = raft.sentNow();
    List<CompletableFuture<CommandResult>> answers = List.of(batcher.submitAsync(command(1)), batcher.submitAsync(command(2)));
    inFlight.answerFrom(ratisThread);
    return new Queued(answers, raft.next());
  }

  @Test
  void anUnavailableReplyReachesEachCallerAsItIs() {
    Queued queued = batchOfTwoBehindOne();
    List<CompletableFuture<CommandResult>> failing = queued.answers();
    Sent batch = queued.batch();

    // As RaftBackend fails a reply it cannot read: inside a dependent stage, so wrapped.
    UnavailableException noLeader = new UnavailableException("raft group cannot order the command: no leader", null);
    ratisThread.execute(() -> batch.reply().completeExceptionally(new CompletionException(noLeader)));

    for (CompletableFuture<CommandResult> f : failing) {
      assertThat(failure(f)).isSameAs(noLeader);
    }
  }

  @Test
  void aSenderThatThrowsFailsItsBatchAndFreesTheSlot() throws Exception {
    IllegalStateException refused = new IllegalStateException("raft client closed");
    raft.throwOnNextSend(refused);

    CompletableFuture<CommandResult> first = batcher.submitAsync(command(1));
    CompletableFuture<CommandResult> second = batcher.submitAsync(command(2));

    assertThat(failure(first)).isSameAs(refused);
    Sent sent = raft.sentNow();
    assertThat(ids(sent.entry())).containsExactly("cmd-2");
    sent.answerFrom(ratisThread);
    assertThat(second.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(answerTo(2));
  }

  @Test
  void anAnswerWithTheWrongNumberOfResultsFailsEveryCommandOfTheBatch() {
    Queued queued = batchOfTwoBehindOne();
    List<CompletableFuture<CommandResult>> batch = queued.answers();
    Sent sent = queued.batch();

    ratisThread.execute(() -> sent.reply().complete(List.of(answerTo(1).toByteString())));

    for (CompletableFuture<CommandResult> f : batch) {
      assertThat(failure(f)).isInstanceOf(IllegalStateException.class).hasMessageContaining("1 results for 2 commands");
    }
  }

  @Test
  void closeFailsQueuedCommandsAsUnavailableAndStillAnswersTheBatchInFlight() throws Exception {
    CompletableFuture<CommandResult> inFlightAnswer = batcher.submitAsync(command(1));
    Sent inFlight = raft.sentNow();
    List<CompletableFuture<CommandResult>> queued = List.of(batcher.submitAsync(command(2)), batcher.submitAsync(command(3)));

    batcher.close();

    for (CompletableFuture<CommandResult> f : queued) {
      assertThat(failure(f)).isInstanceOf(UnavailableException.class).hasMessageContaining("stopping");
    }
    assertThat(failure(batcher.submitAsync(command(4)))).isInstanceOf(UnavailableException.class).hasMessageContaining("stopping");
    inFlight.answerFrom(ratisThread);
    assertThat(inFlightAnswer.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(answerTo(1));
    raft.assertNothingSent();
  }

  @Test
  void aCommandRaftDoesNotAnswerInTimeFailsAsUnavailable() {
    batcher.close();
    batcher = new SubmitBatcher(MEMBER, raft, Duration.ofMillis(200));

    CompletableFuture<CommandResult> answer = batcher.submitAsync(command(1));

    assertThat(raft.sentNow().reply()).isNotDone();
    assertThat(failure(answer)).isInstanceOf(UnavailableException.class).hasMessageContaining("did not answer within 200 ms");
  }

  @Test
  void submitWaitsForTheAnswerAndThrowsTheFailureItself() {
    ratisThread.execute(() -> raft.next().answer());
    assertThat(batcher.submit(command(1))).isEqualTo(answerTo(1));

    ratisThread.execute(() -> raft.next().reply().completeExceptionally(new IOException("disk full")));
    assertThatThrownBy(() -> batcher.submit(command(2))).isInstanceOf(UnavailableException.class).hasRootCauseMessage("disk full");
  }

  /**
   * Many submitters against a fake Raft that answers at once, later from its own thread, or fails
   * a batch: every command is sent exactly once, in batches of at most 512, one batch at a time,
   * never from Ratis' thread, and every caller hears exactly its own outcome.
   */
  @Test
  void underConcurrentSubmittersNoCommandIsLeftBehindOrSentTwice() throws Exception {
    for (long seed = 1; seed <= 12; seed++) {
      stress(seed, 8, 400);
    }
  }

  private void stress(long seed, int submitters, int perSubmitter) throws Exception {
    SplittableRandom random = new SplittableRandom(seed);
    Queue<String> sentIds = new ConcurrentLinkedQueue<>();
    Set<String> failedIds = ConcurrentHashMap.newKeySet();
    Queue<String> senderThreads = new ConcurrentLinkedQueue<>();
    AtomicInteger outstanding = new AtomicInteger();
    AtomicInteger mostOutstanding = new AtomicInteger();
    AtomicInteger largest = new AtomicInteger();
    Function<LoggedCommand, CompletableFuture<List<ByteString>>> sender = entry -> {
      senderThreads.add(Thread.currentThread().getName());
      ids(entry).forEach(sentIds::add);
      largest.accumulateAndGet(entry.getCommandsCount(), Math::max);
      mostOutstanding.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
      int choice;
      synchronized (random) {
        choice = random.nextInt(10);
      }
      CompletableFuture<List<ByteString>> reply = new CompletableFuture<>();
      Runnable settle = () -> {
        outstanding.decrementAndGet();
        if (choice == 0) {
          failedIds.addAll(ids(entry));
          reply.completeExceptionally(new IOException("seed " + seed + ": batch lost"));
        } else {
          reply.complete(answersTo(entry));
        }
      };
      if (choice < 3) {
        settle.run();
      } else {
        ratisThread.execute(settle);
      }
      return reply;
    };
    try (SubmitBatcher stressed = new SubmitBatcher(MEMBER, sender)) {
      Queue<CompletableFuture<CommandResult>> answers = new ConcurrentLinkedQueue<>();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < submitters; t++) {
        int base = t * perSubmitter;
        threads.add(Thread.ofPlatform().name("submitter-" + t).start(() -> {
          for (int i = 0; i < perSubmitter; i++) {
            answers.add(stressed.submitAsync(command(base + i)));
          }
        }));
      }
      for (Thread t : threads) {
        t.join(WAIT.toMillis());
        assertThat(t.isAlive()).as("seed %d: %s still submitting", seed, t.getName()).isFalse();
      }
      int total = submitters * perSubmitter;
      assertThat(answers).hasSize(total);
      long deadline = System.nanoTime() + WAIT.toNanos();
      Set<String> answered = new HashSet<>();
      for (CompletableFuture<CommandResult> answer : answers) {
        try {
          CommandResult r = answer.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          answered.add("cmd-" + r.getAccepted().getRevision());
        } catch (ExecutionException e) {
          assertThat(e.getCause()).as("seed %d", seed).isInstanceOf(UnavailableException.class);
        }
      }
      assertThat(sentIds).as("seed %d: commands sent", seed).hasSize(total).doesNotHaveDuplicates();
      Set<String> heard = new HashSet<>(answered);
      heard.addAll(failedIds);
      assertThat(heard).as("seed %d: commands answered or failed, none both", seed).hasSize(total).hasSize(answered.size() + failedIds.size());
      assertThat(mostOutstanding.get()).as("seed %d: batches in flight at once", seed).isEqualTo(SubmitBatcher.MAX_IN_FLIGHT);
      assertThat(largest.get()).as("seed %d: largest batch", seed).isLessThanOrEqualTo(SubmitBatcher.MAX_COMMANDS);
      assertThat(senderThreads).as("seed %d: threads that sent", seed)
          .allSatisfy(name -> assertThat(name).matches("submitter-\\d+|" + COMPLETION_THREAD));
    }
  }

  /** A command whose answer names it: accepted at revision {@code n}. */
  private static Command command(int n) {
    return Command.newBuilder().setRequestId("cmd-" + n).setRegisterNode(RegisterNode.newBuilder().setName("node-" + n)).build();
  }

  /** The same, padded to about {@code bytes} serialized bytes. */
  private static Command command(int n, int bytes) {
    return command(n).toBuilder().setRegisterNode(RegisterNode.newBuilder().setName("node-" + n + "-" + "x".repeat(bytes))).build();
  }

  private static CommandResult answerTo(int n) {
    return CommandResult.newBuilder().setAccepted(Accepted.newBuilder().setRevision(n)).build();
  }

  private static List<ByteString> answersTo(LoggedCommand entry) {
    return ids(entry).stream().map(id -> answerTo(Integer.parseInt(id.substring("cmd-".length()))).toByteString()).toList();
  }

  private static List<String> ids(LoggedCommand entry) {
    return entry.getCommandsList().stream().map(Command::getRequestId).toList();
  }

  /** The failure of {@code f}, waited for. */
  private static Throwable failure(CompletableFuture<?> f) {
    try {
      Object value = f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      return fail("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      return fail("no outcome within " + WAIT, e);
    }
  }

  /** One entry handed to the fake Raft: what, from which thread, and the reply the test completes. */
  private record Sent(LoggedCommand entry, String thread, CompletableFuture<List<ByteString>> reply) {
    /** Answers each command with its own result, here. */
    void answer() {
      reply.complete(answersTo(entry));
    }

    /** Answers from {@code thread}, as Ratis completes a reply on its own threads. */
    void answerFrom(ExecutorService thread) {
      thread.execute(this::answer);
    }
  }

  /** The sender: records each entry; answers nothing by itself. */
  private static final class FakeRaft implements Function<LoggedCommand, CompletableFuture<List<ByteString>>> {
    private final BlockingQueue<Sent> sent = new LinkedBlockingQueue<>();
    private volatile RuntimeException throwNext;

    @Override
    public CompletableFuture<List<ByteString>> apply(LoggedCommand entry) {
      RuntimeException t = throwNext;
      if (t != null) {
        throwNext = null;
        throw t;
      }
      Sent s = new Sent(entry, Thread.currentThread().getName(), new CompletableFuture<>());
      sent.add(s);
      return s.reply();
    }

    void throwOnNextSend(RuntimeException e) {
      throwNext = e;
    }

    /** The entry sent synchronously by the call that just returned. */
    Sent sentNow() {
      Sent s = sent.poll();
      assertThat(s).as("an entry sent by the submitting call itself").isNotNull();
      return s;
    }

    /** The next entry sent, waited for. */
    Sent next() {
      try {
        Sent s = sent.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(s).as("an entry sent within " + WAIT).isNotNull();
        return s;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    void assertNothingSent() {
      assertThat(sent).as("entries sent").isEmpty();
    }
  }
}
