package io.nodus.raft.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.ratis.protocol.ClientId;

/**
 * Answers handed from the state machine to a submitter in the same process, past Raft's reply.
 *
 * <p>Raft keeps the reply of every entry in its retry cache for a minute, on every replica, so
 * that a client retrying the same call gets the same reply. With the answers in the reply, that
 * cache held about 100 MB per controller at 5,000 commands a second, all of it living just long
 * enough to be promoted and collected in the old generation. A leader's own submissions never
 * retry the same call (they fail over to the Raft client as a new one), so their entries are
 * marked {@code answered_in_process}: every replica replies with nothing, and the leader's state
 * machine hands the answers to the submitter that expects them here.
 *
 * <p>Threading: {@link #expect} and {@link #forget} run on submitting threads; {@link #deliver}
 * on the apply thread, before Raft completes the submission, so an expected answer is there when
 * the submitter looks.
 */
final class InProcessAnswers {
  private record Call(ClientId client, long callId) {}

  private final ConcurrentHashMap<Call, CompletableFuture<byte[]>> expected = new ConcurrentHashMap<>();

  /** Registers a submission; its answer completes the future once the entry is applied here. */
  CompletableFuture<byte[]> expect(ClientId client, long callId) {
    CompletableFuture<byte[]> answer = new CompletableFuture<>();
    expected.put(new Call(client, callId), answer);
    return answer;
  }

  /** Hands over the answers of an applied entry when this process expects them; else builds nothing. */
  void deliver(ClientId client, long callId, Supplier<byte[]> answers) {
    CompletableFuture<byte[]> answer = expected.remove(new Call(client, callId));
    if (answer != null) {
      answer.complete(answers.get());
    }
  }

  /** Drops a submission that ended (answered, refused or failed over). */
  void forget(ClientId client, long callId) {
    expected.remove(new Call(client, callId));
  }

  /** Submissions still waiting: none once the controller is idle. */
  int waiting() {
    return expected.size();
  }
}
