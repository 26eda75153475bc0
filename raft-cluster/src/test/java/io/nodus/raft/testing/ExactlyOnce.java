package io.nodus.raft.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.codec.ResourceKinds;
import io.nodus.state.proto.ClusterState;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.IpamAllocation;
import io.nodus.state.proto.ResourceKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/** The checks of a fault test's history: nothing acknowledged lost, nothing applied twice, watchers exact. */
public final class ExactlyOnce {
  private ExactlyOnce() {}

  /**
   * Checks a complete event history (revisions 1..N) against what a {@link Workload} was told and
   * the final state of the pool it wrote to.
   */
  public static void check(List<Event> history, List<Workload> workloads, ClusterState state, String pool) {
    assertThat(history).extracting(Event::getRevision)
        .as("the history has every revision once, in order")
        .containsExactlyElementsOf(LongStream.rangeClosed(1, history.size()).boxed().toList());
    Map<String, List<Event>> byRequest = new HashMap<>();
    for (Event e : history) {
      if (e.hasIpamAllocated() && e.getIpamAllocated().getAllocation().getPool().equals(pool)) {
        byRequest.computeIfAbsent(e.getRequestId(), k -> new ArrayList<>()).add(e);
      }
    }
    Set<String> attempted = new java.util.HashSet<>();
    for (Workload workload : workloads) {
      assertThat(workload.problems()).as("writers saw no rejection and no changed answer").isEmpty();
      attempted.addAll(workload.attempted());
      workload.acknowledged().forEach((id, result) -> {
        assertThat(byRequest).as("acknowledged request %s is in the history", id).containsKey(id);
        assertThat(result.getAccepted().getEventsList()).as("the answer to %s is what the history holds", id)
            .isEqualTo(byRequest.get(id));
      });
    }
    for (Map.Entry<String, List<Event>> r : byRequest.entrySet()) {
      assertThat(r.getValue()).as("allocations applied for request %s", r.getKey()).hasSize(1);
      assertThat(attempted).as("an applied request was sent by a writer").contains(r.getKey());
    }
    Set<String> owners = state.getIpamAllocationsList().stream().filter(a -> a.getPool().equals(pool))
        .map(IpamAllocation::getOwner).collect(Collectors.toSet());
    assertThat(owners).as("the pool holds one address per applied request").isEqualTo(byRequest.keySet());
    assertThat(state.getRevision()).isEqualTo(history.size());
  }

  /** Checks that every watcher saw exactly the history: unfiltered ones all of it, filtered ones their kinds. */
  public static void checkWatchers(List<Event> history, List<RecordingListener> full, RecordingListener filtered,
      Set<ResourceKind> kinds) {
    for (RecordingListener w : full) {
      assertThat(w.snapshots()).as("a watcher from revision 1 never needs a snapshot").isEmpty();
      assertThat(w.events()).as("a watcher saw every event once, in order").isEqualTo(history);
    }
    List<Event> expected = history.stream().filter(e -> ResourceKinds.matches(e, kinds)).toList();
    assertThat(filtered.events()).as("the filtered watcher saw each event of its kinds once, in order").isEqualTo(expected);
  }
}
