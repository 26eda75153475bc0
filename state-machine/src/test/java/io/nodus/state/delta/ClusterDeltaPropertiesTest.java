package io.nodus.state.delta;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.CommandApplier;
import io.nodus.state.ModelCommands;
import io.nodus.state.ReplayPropertiesTest;
import io.nodus.state.ReplicaState;
import io.nodus.state.codec.ImageResources;
import io.nodus.state.codec.ResourceKey;
import io.nodus.state.evolve.Evolver;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.proto.Event;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The delta over random command sequences (valid and invalid, with retries): replaying a run of
 * events into one delta leads to the image that folding them one at a time leads to; the keys a
 * delta names as changed are exactly those whose stored record differs between its base and its
 * result, kind by kind; and the store writes exactly the records whose value differs.
 */
class ClusterDeltaPropertiesTest {

  @Provide
  Arbitrary<List<ModelCommands.Step>> steps() {
    return ModelCommands.steps(90);
  }

  @Property(tries = 150)
  void aDeltaOverAnyRunOfEventsAppliesToTheImageTheOneByOneFoldGives(@ForAll("steps") List<ModelCommands.Step> steps,
      @ForAll @IntRange(min = 0, max = 100) int startPercent) {
    ReplayPropertiesTest.Run run = ReplayPropertiesTest.run(ReplayPropertiesTest.withConfiguration(steps));
    List<Event> events = run.events();
    int start = events.size() * startPercent / 100;
    ClusterImage base = ClusterImage.EMPTY;
    for (Event e : events.subList(0, start)) {
      base = Evolver.evolve(base, e);
    }
    ClusterDelta delta = ClusterDelta.on(base);
    ClusterImage folded = base;
    for (Event e : events.subList(start, events.size())) {
      // Events carry the kinds the controller's delta found; a delta over a run finds them again.
      assertThat(delta.replay(e.toBuilder().clearKinds().build())).containsExactlyInAnyOrderElementsOf(e.getKindsList());
      folded = Evolver.evolve(folded, e);
    }

    assertThat(delta.apply()).isEqualTo(folded).isEqualTo(run.end().image());
    assertThat(changedKeys(delta)).isEqualTo(differingRecords(base, delta.apply()));
  }

  @Property(tries = 100)
  void aSnapshotIsADeltaFromTheEmptyImageThatNamesEveryRecord(@ForAll("steps") List<ModelCommands.Step> steps) {
    ClusterImage image = ReplayPropertiesTest.run(ReplayPropertiesTest.withConfiguration(steps)).end().image();

    ClusterDelta snapshot = ClusterDelta.fromEmpty(image);

    assertThat(snapshot.apply()).isSameAs(image);
    assertThat(changedKeys(snapshot)).isEqualTo(differingRecords(ClusterImage.EMPTY, image));
  }

  @Property(tries = 100)
  void theStoreWritesExactlyTheRecordsWhoseValueDiffers(@ForAll("steps") List<ModelCommands.Step> steps) {
    ReplayPropertiesTest.Run run = ReplayPropertiesTest.run(ReplayPropertiesTest.withConfiguration(steps));
    for (int i = 0; i < run.applied().size(); i++) {
      ReplicaState before = run.before().get(i);
      CommandApplier.Applied applied = run.applied().get(i);
      Set<ResourceKey> written = ImageResources.changes(before, applied).stream().map(ImageResources.Write::key)
          .filter(ClusterDeltaPropertiesTest::isResource).collect(Collectors.toSet());
      assertThat(written).as("command %d", i).isEqualTo(differingRecords(before.image(), applied.image()));
    }
  }

  /** Storage keys of every record the delta names as changed. */
  private static Set<ResourceKey> changedKeys(ClusterDelta d) {
    Set<ResourceKey> out = new HashSet<>();
    d.identities().differing().forEach(k -> out.add(ResourceKey.identity(k)));
    d.quarantine().differing().forEach(k -> out.add(ResourceKey.quarantine(k)));
    d.nodes().differing().forEach(k -> out.add(ResourceKey.node(k)));
    d.endpoints().differing().forEach(k -> out.add(ResourceKey.endpoint(k)));
    d.policies().differing().forEach(k -> out.add(new ResourceKey(ResourceKey.Kind.POLICY, k)));
    d.services().differing().forEach(k -> out.add(new ResourceKey(ResourceKey.Kind.SERVICE, k)));
    d.ipamPools().differing().forEach(k -> out.add(ResourceKey.ipamPool(k)));
    d.ipamAllocations().differing().forEach(k -> out.add(new ResourceKey(ResourceKey.Kind.IPAM_ALLOCATION, k)));
    d.members().differing().forEach(k -> out.add(ResourceKey.member(k)));
    return out;
  }

  /** Resource records (not the meta, replica or request records) whose bytes differ between two images. */
  private static Set<ResourceKey> differingRecords(ClusterImage a, ClusterImage b) {
    Map<ResourceKey, byte[]> before = ImageResources.all(new ReplicaState(a, io.nodus.state.image.RequestWindow.EMPTY));
    Map<ResourceKey, byte[]> after = ImageResources.all(new ReplicaState(b, io.nodus.state.image.RequestWindow.EMPTY));
    Set<ResourceKey> keys = new HashSet<>(before.keySet());
    keys.addAll(after.keySet());
    return keys.stream().filter(ClusterDeltaPropertiesTest::isResource)
        .filter(k -> !Arrays.equals(before.get(k), after.get(k))).collect(Collectors.toSet());
  }

  private static boolean isResource(ResourceKey k) {
    return k.kind() != ResourceKey.Kind.META && k.kind() != ResourceKey.Kind.REPLICA && k.kind() != ResourceKey.Kind.REQUEST;
  }
}
