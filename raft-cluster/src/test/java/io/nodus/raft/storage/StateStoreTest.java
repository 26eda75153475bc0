package io.nodus.raft.storage;

import static io.nodus.raft.testing.Fixtures.registerNode;
import static io.nodus.raft.testing.Fixtures.upsertPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.raft.storage.CheckpointDirectory.Checkpoint;
import io.nodus.state.CommandApplier;
import io.nodus.state.ReplicaState;
import io.nodus.state.codec.ImageCodec;
import io.nodus.state.codec.ImageResources;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.LoggedCommand;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The RocksDB store on its own: atomic entries, reload, trimming, checkpoints. */
class StateStoreTest {
  @TempDir
  Path dir;

  /** Applies {@code command} as log entry {@code index} and persists it, like the state machine does. */
  private static ReplicaState apply(StateStore store, ReplicaState state, Command command, long index) {
    CommandApplier.Applied a = CommandApplier.apply(state,
        LoggedCommand.newBuilder().setCommand(command.toBuilder().setRequestId("req-" + index)).setLeaderTimeMillis(1_000).build(),
        index);
    store.commit(new LogPosition(1, index), ImageResources.changes(state, a), a.events(), a.encodedEvents());
    return a.state();
  }

  @Test
  void aNewStoreLoadsAsTheEmptyCluster() {
    try (StateStore store = StateStore.open(dir.resolve("db"), 100)) {
      StateStore.Loaded loaded = store.load();

      assertThat(loaded.state()).isEqualTo(ReplicaState.EMPTY);
      assertThat(loaded.applied()).isEqualTo(LogPosition.NONE);
    }
  }

  @Test
  void reopeningYieldsTheSameStateAndAppliedPosition() {
    ReplicaState image = ReplicaState.EMPTY;
    try (StateStore store = StateStore.open(dir.resolve("db"), 100)) {
      image = apply(store, image, registerNode("n1"), 1);
      image = apply(store, image, upsertPolicy("p1"), 2);
      image = apply(store, image, Command.newBuilder().setDeleteEndpoint(
          io.nodus.state.proto.DeleteEndpoint.newBuilder().setName("ghost")).build(), 3);
    }

    try (StateStore store = StateStore.open(dir.resolve("db"), 100)) {
      StateStore.Loaded loaded = store.load();

      assertThat(loaded.state()).isEqualTo(image);
      assertThat(loaded.state().requests().size()).isEqualTo(3);
      assertThat(ImageCodec.stateHash(loaded.image())).isEqualTo(ImageCodec.stateHash(image.image()));
      assertThat(loaded.applied()).isEqualTo(new LogPosition(1, 3));
      assertThat(store.events(1, 10, 10)).extracting(Event::getRevision).containsExactly(1L, 2L);
    }
  }

  @Test
  void keepsAtLeastTheRetainedEventsAndTrimsOlderOnes() {
    try (StateStore store = StateStore.open(dir.resolve("db"), 5)) {
      ReplicaState image = ReplicaState.EMPTY;
      for (int i = 1; i <= 20; i++) {
        image = apply(store, image, upsertPolicy("p" + i), i);
      }

      List<Long> kept = store.events(1, 20, 100).stream().map(Event::getRevision).toList();

      assertThat(kept.getFirst()).isGreaterThan(1L);
      assertThat(kept).containsSubsequence(16L, 17L, 18L, 19L, 20L);
      assertThat(kept).isEqualTo(LongStream.rangeClosed(kept.getFirst(), 20).boxed().toList());
    }
  }

  @Test
  void aCheckpointRestoresTheStoreAsItWas() {
    CheckpointDirectory checkpoints = new CheckpointDirectory(dir.resolve("snapshots"));
    ReplicaState image = ReplicaState.EMPTY;
    try (StateStore store = StateStore.open(dir.resolve("db"), 100)) {
      image = apply(store, image, registerNode("n1"), 1);
      Checkpoint cp = checkpoints.create(new LogPosition(1, 1), store::checkpoint);
      apply(store, image, registerNode("n2"), 2);

      store.replaceWith(cp.dir());

      assertThat(store.load().state()).isEqualTo(image);
      assertThat(store.applied()).isEqualTo(new LogPosition(1, 1));
    }
    assertThat(checkpoints.latest()).map(c -> c.position().index()).contains(1L);
  }

  @Test
  void keepsOnlyTheNewestCheckpoints() {
    CheckpointDirectory checkpoints = new CheckpointDirectory(dir.resolve("snapshots"));
    try (StateStore store = StateStore.open(dir.resolve("db"), 100)) {
      ReplicaState image = ReplicaState.EMPTY;
      for (int i = 1; i <= 4; i++) {
        image = apply(store, image, registerNode("n" + i), i);
        checkpoints.create(new LogPosition(1, i), store::checkpoint);
      }

      // One being written meanwhile, under its temporary name: retain leaves it alone.
      Path writing = dir.resolve("snapshots").resolve(".tmp-checkpoint_1_5");
      store.checkpoint(writing);

      checkpoints.retain(2);

      assertThat(checkpoints.list()).extracting(c -> c.position().index()).containsExactly(3L, 4L);
      assertThat(writing).isDirectory();
      checkpoints.deleteUnfinished();
      assertThat(writing).doesNotExist();
      assertThat(checkpoints.list()).extracting(c -> c.position().index()).containsExactly(3L, 4L);
    }
  }
}
