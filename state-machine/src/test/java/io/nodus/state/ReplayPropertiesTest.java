package io.nodus.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.codec.ImageCodec;
import io.nodus.state.codec.ImageResources;
import io.nodus.state.codec.ResourceKey;
import io.nodus.state.evolve.Evolver;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.ConfigureCluster;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.LoggedCommand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of decide/evolve over random command sequences over the whole model (valid and
 * invalid alike, with retried and reused request ids): nothing throws, replaying events from any
 * snapshot point rebuilds the live image, the per-resource store form stays in step (the
 * deduplication window included), allocators never hand out a held identity, CIDR, address or
 * service id (checked after every command by {@link Invariants}), and a retried request is
 * applied once. Commands come from {@link ModelCommands}.
 */
public class ReplayPropertiesTest {

  @Provide
  net.jqwik.api.Arbitrary<List<ModelCommands.Step>> steps() {
    return ModelCommands.steps(90);
  }

  /**
   * A cluster with a short identity quarantine and a small request window, so that sequences
   * exercise release, pruning, reuse and window eviction.
   */
  static Command configure() {
    return Command.newBuilder().setRequestId("configure").setConfigureCluster(ConfigureCluster.newBuilder().setConfig(
        ClusterImage.DEFAULT_CONFIG.toBuilder().setIdentityQuarantineSeconds(3)
            .setRequestWindowEntries(12).setRequestWindowSeconds(20))).build();
  }

  /** One run: the state after each step and every event, applied from the empty state. */
  public record Run(List<CommandApplier.Applied> applied, List<ReplicaState> before, List<Event> events, ReplicaState end) {}

  public static Run run(List<Command> commands) {
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < commands.size(); i++) {
      times.add(i * 1000L);
    }
    return run(commands, times);
  }

  /** A run whose i-th command carries leader time {@code times.get(i)}. */
  static Run run(List<Command> commands, List<Long> times) {
    List<CommandApplier.Applied> applied = new ArrayList<>();
    List<ReplicaState> before = new ArrayList<>();
    List<Event> events = new ArrayList<>();
    ReplicaState state = ReplicaState.EMPTY;
    for (int i = 0; i < commands.size(); i++) {
      before.add(state);
      CommandApplier.Applied a = CommandApplier.apply(state,
          LoggedCommand.newBuilder().setCommand(commands.get(i)).setLeaderTimeMillis(times.get(i)).build(), i + 1);
      state = a.state();
      applied.add(a);
      events.addAll(a.events());
      Invariants.check(state.image());
    }
    return new Run(applied, before, events, state);
  }

  public static List<Command> withConfiguration(List<ModelCommands.Step> steps) {
    List<Command> all = new ArrayList<>();
    all.add(configure());
    all.addAll(ModelCommands.commands(steps));
    return all;
  }

  @Property(tries = 200)
  void replayingFromAnySnapshotPointYieldsTheLiveImage(@ForAll("steps") List<ModelCommands.Step> steps,
      @ForAll @IntRange(min = 0, max = 100) int cutPercent) {
    Run run = run(withConfiguration(steps));
    ClusterImage image = run.end().image();
    List<Event> events = run.events();
    assertThat((long) events.size()).isEqualTo(image.revision());
    // The image at every revision, including those inside a multi-event command.
    List<ClusterImage> images = new ArrayList<>();
    images.add(ClusterImage.EMPTY);
    for (Event e : events) {
      images.add(Evolver.evolve(images.get(images.size() - 1), e));
    }
    assertThat(images.get(events.size())).isEqualTo(image);
    // A "snapshot" at any revision, taken through the serialized state form, plus the later events.
    int cut = (int) ((long) events.size() * cutPercent / 100);
    ClusterImage replayed = ImageCodec.fromState(ImageCodec.toState(images.get(cut)));
    assertThat(replayed).isEqualTo(images.get(cut));
    for (Event e : events.subList(cut, events.size())) {
      replayed = Evolver.evolve(replayed, e);
    }
    assertThat(replayed).isEqualTo(image);
    assertThat(ImageCodec.stateHash(replayed)).isEqualTo(ImageCodec.stateHash(image));
  }

  @Property(tries = 100)
  void incrementalResourceWritesKeepAStoreEqualToTheState(@ForAll("steps") List<ModelCommands.Step> steps) {
    // An empty store fed only by changes: what a fresh controller's RocksDB sees.
    Map<ResourceKey, byte[]> store = new TreeMap<>((a, b) -> Arrays.compare(a.toBytes(), b.toBytes()));
    store.putAll(ImageResources.all(ReplicaState.EMPTY));
    Run run = run(withConfiguration(steps));
    for (int i = 0; i < run.applied().size(); i++) {
      for (ImageResources.Write w : ImageResources.changes(run.before().get(i), run.applied().get(i))) {
        if (w.value() == null) {
          store.remove(w.key());
        } else {
          store.put(w.key(), w.value());
        }
      }
    }
    Map<ResourceKey, byte[]> expected = ImageResources.all(run.end());
    assertThat(store.keySet()).containsExactlyElementsOf(expected.keySet());
    for (ResourceKey k : store.keySet()) {
      assertThat(store.get(k)).as(k.toString()).isEqualTo(expected.get(k));
    }
    ReplicaState loaded = ImageResources.load(store);
    assertThat(loaded).isEqualTo(run.end());
    assertThat(ImageCodec.stateHash(loaded.image())).isEqualTo(ImageCodec.stateHash(run.end().image()));
    assertThat(ImageCodec.windowHash(loaded.requests())).isEqualTo(ImageCodec.windowHash(run.end().requests()));
  }

  /**
   * Controllers group concurrent commands into one log entry. Batched or not, every command gets
   * the same answer and the image ends the same; a store fed with each entry's merged writes
   * loads back exactly the live state, deduplication window included (whose eviction order is by
   * log index, then position in the entry).
   */
  @Property(tries = 150)
  void batchedEntriesGiveTheSameAnswersAndAStoreThatLoadsBackTheLiveState(@ForAll("steps") List<ModelCommands.Step> steps,
      @ForAll("batchSizes") List<Integer> sizes) {
    List<Command> commands = withConfiguration(steps);
    Run reference = run(commands);
    Map<ResourceKey, byte[]> store = new TreeMap<>((a, b) -> Arrays.compare(a.toBytes(), b.toBytes()));
    store.putAll(ImageResources.all(ReplicaState.EMPTY));
    ReplicaState state = ReplicaState.EMPTY;
    List<io.nodus.state.proto.CommandResult> results = new ArrayList<>();
    int next = 0;
    long index = 0;
    for (int b = 0; next < commands.size(); b++) {
      int size = Math.min(sizes.get(b % sizes.size()), commands.size() - next);
      // The whole batch carries the leader time of its first command.
      LoggedCommand entry = LoggedCommand.newBuilder().addAllCommands(commands.subList(next, next + size))
          .setLeaderTimeMillis(next * 1000L).build();
      CommandApplier.EntryApplied applied = CommandApplier.applyEntry(state, entry, ++index);
      for (ImageResources.Write w : ImageResources.changes(state, applied)) {
        if (w.value() == null) {
          store.remove(w.key());
        } else {
          store.put(w.key(), w.value());
        }
      }
      applied.commands().forEach(a -> results.add(a.result()));
      state = applied.state();
      ReplicaState loaded = ImageResources.load(store);
      assertThat(loaded).isEqualTo(state);
      assertThat(ImageCodec.windowHash(loaded.requests())).isEqualTo(ImageCodec.windowHash(state.requests()));
      next += size;
    }
    if (sizes.stream().allMatch(n -> n == 1)) {
      assertThat(results).isEqualTo(reference.applied().stream().map(CommandApplier.Applied::result).toList());
      assertThat(state.image()).isEqualTo(reference.end().image());
    }
    Invariants.check(state.image());
  }

  @Provide
  net.jqwik.api.Arbitrary<List<Integer>> batchSizes() {
    return net.jqwik.api.Arbitraries.integers().between(1, 9).list().ofMinSize(1).ofMaxSize(6);
  }

  @Property(tries = 150)
  void aRequestRetriedInsideTheWindowGetsItsFirstAnswerAndChangesNothing(@ForAll("steps") List<ModelCommands.Step> steps)
      throws Exception {
    List<Command> commands = withConfiguration(steps);
    Run run = run(commands);
    int duplicates = 0;
    for (int i = 0; i < run.applied().size(); i++) {
      CommandApplier.Applied a = run.applied().get(i);
      ReplicaState before = run.before().get(i);
      String id = commands.get(i).getRequestId();
      // The encoded answer (replies, the window) and the events (storage) say what the messages say.
      assertThat(io.nodus.state.proto.CommandResult.parseFrom(a.encodedResult())).isEqualTo(a.result());
      assertThat(a.encodedEvents()).hasSameSizeAs(a.events());
      for (int e = 0; e < a.events().size(); e++) {
        assertThat(io.nodus.state.proto.Event.parseFrom(a.encodedEvents().get(e))).isEqualTo(a.events().get(e));
      }
      // What the window holds once entries older than its leader time are gone (run() stamps i s).
      var window = before.requests().evict(i * 1000L, before.image().requestWindowLimits(), new ArrayList<>());
      boolean seen = window.get(id).isPresent();
      boolean sameCommand = seen && window.get(id).get().getCommandDigest()
          .equals(com.google.protobuf.ByteString.copyFrom(CommandApplier.digest(commands.get(i))));
      if (seen && !sameCommand) {
        // An id reused for another command: refused, nothing applied, the window keeps the first answer.
        assertThat(a.result().getRejection().getField()).isEqualTo("requestId");
        assertThat(a.events()).isEmpty();
        assertThat(a.state().requests().get(id)).isEqualTo(window.get(id));
        continue;
      }
      assertThat(a.duplicate()).isEqualTo(seen);
      if (seen) {
        // A retry: the answer recorded for the id, no events, the image untouched.
        duplicates++;
        assertThat(a.events()).isEmpty();
        assertThat(a.image()).isSameAs(before.image());
        assertThat(a.encodedResult()).isEqualTo(window.get(id).orElseThrow().getResult());
              }
    }
    net.jqwik.api.statistics.Statistics.label("has retries").collect(duplicates > 0);
    net.jqwik.api.statistics.Statistics.label("has retries").coverage(c -> c.check(true).percentage(p -> p > 50));
  }

  @Property(tries = 150)
  void applyingEveryCommandTwiceInARowOrAgainLaterYieldsOneSetOfEvents(@ForAll("steps") List<ModelCommands.Step> steps,
      @ForAll @IntRange(min = 1, max = 8) int lag) {
    List<Command> once = withConfiguration(ModelCommands.withoutRetries(steps));
    Run reference = run(once);
    // Retries arrive in the same leader millisecond as the command before them, so that time-driven
    // state (quarantine) evolves alike in every run.
    List<Command> twice = new ArrayList<>();
    List<Long> twiceTimes = new ArrayList<>();
    List<Command> later = new ArrayList<>();
    List<Long> laterTimes = new ArrayList<>();
    for (int i = 0; i < once.size(); i++) {
      long t = i * 1000L;
      twice.addAll(List.of(once.get(i), once.get(i)));
      twiceTimes.addAll(List.of(t, t));
      later.add(once.get(i));
      laterTimes.add(t);
      if (i >= lag) {
        // The retry of a command sent `lag` commands ago, still inside the window (12 entries, 20 s).
        later.add(once.get(i - lag));
        laterTimes.add(t);
      }
    }
    Run retried = run(twice, twiceTimes);
    for (Run r : List.of(retried, run(later, laterTimes))) {
      assertThat(r.events()).isEqualTo(reference.events());
      assertThat(r.end().image()).isEqualTo(reference.end().image());
    }
    for (int i = 1; i < retried.applied().size(); i += 2) {
      assertThat(retried.applied().get(i).duplicate()).isTrue();
      assertThat(retried.applied().get(i).result()).isEqualTo(retried.applied().get(i - 1).result());
    }
  }
}
