package io.nodus.state;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.nodus.state.decide.ApplyContext;
import io.nodus.state.decide.Decider;
import io.nodus.state.decide.Decision;
import io.nodus.state.delta.ClusterDelta;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.RequestWindow;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.EncodedAccepted;
import io.nodus.state.proto.EncodedResult;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.RecordedRequest;
import io.nodus.state.proto.Rejection;
import io.nodus.state.proto.ResourceKind;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Applies one logged command: first the deduplication window (a request id it already answered
 * gets that answer again and changes nothing), then decide, stamp each event with the next
 * revision, the cluster time and the request id, evolve, and record the answer in the window.
 * The same state and entry give the same result on every replica. Pure; not thread-bound.
 */
public final class CommandApplier {
  private CommandApplier() {}

  /**
   * The outcome of applying one command.
   *
   * @param state the state after the command (its image is the same instance when nothing changed)
   * @param encodedResult what the caller is told, an encoded CommandResult (built from the encoded
   *     events: nothing is encoded twice)
   * @param events the events that were folded in, stamped (none for a duplicate)
   * @param encodedEvents the same events, each encoded once, for storage and answers
   * @param window what changed in the deduplication window, for incremental storage
   * @param duplicate whether the request id had been answered before, so nothing was applied
   * @param delta what the command's events changed, from the image before it to {@code state}'s
   */
  public record Applied(ReplicaState state, ByteString encodedResult, List<Event> events,
      List<byte[]> encodedEvents, RequestWindow.Delta window, boolean duplicate, ClusterDelta delta) {
    public Applied {
      events = List.copyOf(events);
      encodedEvents = List.copyOf(encodedEvents);
      if (events.size() != encodedEvents.size()) {
        throw new IllegalArgumentException(events.size() + " events but " + encodedEvents.size() + " encoded");
      }
    }

    /** The image after the command. */
    public ClusterImage image() {
      return state.image();
    }

    /** What the caller is told, parsed (the controller passes it on encoded). */
    public CommandResult result() {
      try {
        return CommandResult.parseFrom(encodedResult);
      } catch (InvalidProtocolBufferException e) {
        // Only this class encodes answers.
        throw new IllegalStateException("an answer is not a CommandResult", e);
      }
    }
  }

  /**
   * The outcome of one log entry, which carries one command or a batch of them.
   *
   * @param state the state after the last command
   * @param commands the outcome of each command, in order
   */
  public record EntryApplied(ReplicaState state, List<Applied> commands) {
    public EntryApplied {
      commands = List.copyOf(commands);
    }

    /** Every event of the entry, in revision order. */
    public List<Event> events() {
      List<Event> out = new ArrayList<>();
      commands.forEach(a -> out.addAll(a.events()));
      return out;
    }

    /** Every event of the entry, encoded, in revision order. */
    public List<byte[]> encodedEvents() {
      List<byte[]> out = new ArrayList<>();
      commands.forEach(a -> out.addAll(a.encodedEvents()));
      return out;
    }
  }

  /**
   * Applies a log entry: its single command, or each command of its batch against the state the
   * previous one left, all at the entry's cluster time and log index, told apart by position.
   * For entries of no particular term (tests that fold commands alone).
   */
  public static EntryApplied applyEntry(ReplicaState state, LoggedCommand entry, long logIndex) {
    return applyEntry(state, LoggedEntry.of(entry), logIndex, 0);
  }

  /**
   * Applies the log entry at {@code logIndex}, appended in Raft term {@code term}: advances the
   * cluster clock once for the whole entry (see {@link ClusterClock}), forms the cluster's id if
   * this is its first entry, then applies each command against the state the previous one left.
   * The entry is read with its commands' digests (see {@link LoggedEntry#parse}).
   */
  public static EntryApplied applyEntry(ReplicaState state, LoggedEntry entry, long logIndex, long term) {
    ClusterClock clock = state.clock().advance(term, entry.leaderTimeMillis(), entry.monotonicMillis(), entry.hasMonotonic());
    String uuid = state.clusterUuid().isEmpty() ? clusterUuid(entry, logIndex, term) : state.clusterUuid();
    List<Command> commands = entry.commands();
    List<Applied> out = new ArrayList<>(commands.size());
    ReplicaState current = new ReplicaState(state.image(), state.requests(), clock, uuid);
    for (int position = 0; position < commands.size(); position++) {
      Applied a = apply(current, commands.get(position), entry.digests().get(position), clock.nowMillis(), logIndex, position);
      out.add(a);
      current = a.state();
    }
    return new EntryApplied(current, out);
  }

  /**
   * The id of a cluster whose first entry is {@code entry}: a name-based UUID of what only that
   * entry carries (its position, its leader's stamps and its first request id, which clients draw
   * at random), so every replica derives the same one and a cluster formed again gets another.
   */
  static String clusterUuid(LoggedEntry entry, long logIndex, long term) {
    String first = entry.commands().isEmpty() ? "" : entry.commands().getFirst().getRequestId();
    String seed = "nodus-cluster:" + term + ":" + logIndex + ":" + entry.leaderTimeMillis() + ":" + entry.monotonicMillis()
        + ":" + first;
    return java.util.UUID.nameUUIDFromBytes(seed.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
  }

  /**
   * Applies a command to {@code image} with an empty deduplication window: for callers that fold
   * commands into an image alone (tests of decide and evolve). The controller keeps the window
   * and uses {@link #apply(ReplicaState, LoggedCommand, long)}.
   */
  public static Applied apply(ClusterImage image, LoggedCommand logged, long logIndex) {
    return apply(new ReplicaState(image, RequestWindow.EMPTY), logged, logIndex);
  }

  public static Applied apply(ReplicaState state, LoggedCommand logged, long logIndex) {
    return apply(state, logged, logIndex, 0);
  }

  /**
   * Applies the command at {@code position} of the log entry at {@code logIndex} (an entry may
   * carry a batch of commands; each is applied against the state the previous one left).
   */
  public static Applied apply(ReplicaState state, LoggedCommand logged, long logIndex, int position) {
    Command command = logged.getCommand();
    byte[] digest = command.getRequestId().isEmpty() ? null : digest(command);
    ClusterClock clock = state.clock().advance(0, logged.getLeaderTimeMillis(), logged.getLeaderMonotonicMillis(),
        logged.hasLeaderMonotonicMillis());
    ReplicaState at = new ReplicaState(state.image(), state.requests(), clock, state.clusterUuid());
    return apply(at, command, digest, clock.nowMillis(), logIndex, position);
  }

  /**
   * {@code digest} is the command's {@link #digest}, or null when it has no request id; {@code
   * timeMillis} is the cluster time of its entry, which {@code state.clock()} already reads.
   */
  private static Applied apply(ReplicaState state, Command command, byte[] digest, long timeMillis, long logIndex,
      int position) {
    ApplyContext ctx = new ApplyContext(logIndex, timeMillis);
    ClusterImage image = state.image();
    RequestWindow.Limits limits = image.requestWindowLimits();
    List<String> evicted = new ArrayList<>();
    // Expire first, so that "inside the window" means the same thing for lookups and records.
    RequestWindow window = state.requests().evict(ctx.timeMillis(), limits, evicted);
    String requestId = command.getRequestId();
    if (digest != null) {
      Optional<RecordedRequest> seen = window.get(requestId);
      if (seen.isPresent()) {
        ReplicaState same = state.withRequests(window);
        RequestWindow.Delta delta = new RequestWindow.Delta(null, evicted);
        if (Arrays.equals(seen.get().getCommandDigest().toByteArray(), digest)) {
          ByteString answer = seen.get().getResult();
          return new Applied(same, answer, List.of(), List.of(), delta, true, ClusterDelta.on(image));
        }
        // A different command under a used id: refuse it, and keep the original answer for retries.
        CommandResult refused = rejected(Rejection.newBuilder().setCode(RejectionCodes.ALREADY_EXISTS).setField("requestId")
            .setMessage("request id " + requestId + " was already used for a different command").build(), image);
        return new Applied(same, refused.toByteString(), List.of(), List.of(), delta, false, ClusterDelta.on(image));
      }
    }
    Decision decision = command.getExpectedClusterUuid().isEmpty() || command.getExpectedClusterUuid().equals(state.clusterUuid())
        ? Decider.decide(image, command, ctx)
        // Meant for another cluster's log: applying it here would mix two clusters' states.
        : Decision.reject(RejectionCodes.FAILED_PRECONDITION, "clusterUuid", "the command was meant for cluster "
            + command.getExpectedClusterUuid() + "; this is cluster " + state.clusterUuid());
    ClusterDelta changes = ClusterDelta.on(image);
    ClusterImage next = image;
    List<Event> stamped = new ArrayList<>();
    List<byte[]> encoded = new ArrayList<>();
    ByteString encodedResult;
    switch (decision) {
      case Decision.Rejected r -> encodedResult = rejected(r.rejection(), image).toByteString();
      case Decision.Accepted a -> {
        EncodedAccepted.Builder accepted = EncodedAccepted.newBuilder();
        for (Event body : a.events()) {
          Event.Builder b = body.toBuilder()
              .setRevision(next.revision() + 1)
              .setTimeMillis(ctx.timeMillis())
              .setRequestId(requestId);
          // The delta says what the event changed; the event carries its kinds for filtered watches.
          // The same builder adds them: a second toBuilder would copy the body (a whole policy) again.
          Set<ResourceKind> kinds = changes.replay(b.build());
          Event e = b.addAllKinds(kinds).build();
          next = changes.apply();
          stamped.add(e);
          byte[] bytes = e.toByteArray();
          encoded.add(bytes);
          accepted.addEvents(UnsafeByteOperations.unsafeWrap(bytes));
        }
        // A CommandResult whose accepted (field 1) is the EncodedAccepted, read as Accepted.
        encodedResult = EncodedResult.newBuilder().setAccepted(accepted.setRevision(next.revision()).build().toByteString())
            .build().toByteString();
      }
    }
    RecordedRequest recorded = null;
    if (digest != null) {
      recorded = RecordedRequest.newBuilder()
          .setRequestId(requestId)
          .setCommandDigest(UnsafeByteOperations.unsafeWrap(digest))
          .setResult(encodedResult)
          .setLeaderTimeMillis(ctx.timeMillis())
          .setLogIndex(logIndex)
          .setPosition(position)
          .build();
      // The new configuration (if this command changed it) bounds the window from now on.
      int evictedBefore = evicted.size();
      window = window.with(recorded).evict(ctx.timeMillis(), next.requestWindowLimits(), evicted);
      // The id was not in the window before, so it is gone now only if this eviction took it.
      if (evicted.subList(evictedBefore, evicted.size()).contains(requestId)) {
        // Larger than the whole window: never stored, so neither written nor deleted. (An expired
        // record of the same id evicted before the lookup is still deleted.)
        evicted.remove(evicted.lastIndexOf(requestId));
        recorded = null;
      }
    }
    return new Applied(new ReplicaState(next, window, state.clock(), state.clusterUuid()), encodedResult, stamped, encoded,
        new RequestWindow.Delta(recorded, evicted), false, changes);
  }

  private static CommandResult rejected(Rejection rejection, ClusterImage image) {
    return CommandResult.newBuilder().setRejection(rejection.toBuilder().setRevision(image.revision())).build();
  }

  /** SHA-256 of the command without its request id: what a retry must repeat. */
  static byte[] digest(Command command) {
    // The command serialized without its request id, cut out of the whole serialization instead of
    // building a copy: fields are written in number order, so a set request_id (1) comes first.
    // Taken before decide reads the command's strings, while they still serialize as bytes.
    byte[] bytes = command.toByteArray();
    String requestId = command.getRequestId();
    int skip = requestId.isEmpty() ? 0 : CodedOutputStream.computeStringSize(Command.REQUEST_ID_FIELD_NUMBER, requestId);
    return sha256(bytes, skip, bytes.length - skip);
  }

  /** SHA-256 of {@code bytes[offset, offset + length)}. */
  static byte[] sha256(byte[] bytes, int offset, int length) {
    MessageDigest sha = sha256();
    sha.update(bytes, offset, length);
    return sha.digest();
  }

  private static final MessageDigest SHA_256 = newSha256();

  /** A fresh SHA-256, cloned from a prototype: cheaper than a provider lookup per command. */
  private static MessageDigest sha256() {
    try {
      return (MessageDigest) SHA_256.clone();
    } catch (CloneNotSupportedException e) {
      return newSha256();
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
