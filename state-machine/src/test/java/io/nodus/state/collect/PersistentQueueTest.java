package io.nodus.state.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class PersistentQueueTest {

  /** Appends (non-negative) and removals (negative) against an ArrayDeque, checking every version. */
  @Property(tries = 500)
  void behavesLikeADequeUsedAtBothEnds(@ForAll @Size(max = 200) List<@IntRange(min = -3, max = 50) Integer> ops) {
    PersistentQueue<Integer> q = PersistentQueue.empty();
    ArrayDeque<Integer> model = new ArrayDeque<>();
    List<PersistentQueue<Integer>> versions = new ArrayList<>();
    List<List<Integer>> contents = new ArrayList<>();
    for (int op : ops) {
      if (op >= 0) {
        q = q.append(op);
        model.addLast(op);
      } else {
        q = q.removeFirst();
        model.pollFirst();
      }
      assertThat(q.size()).isEqualTo(model.size());
      assertThat(q.isEmpty()).isEqualTo(model.isEmpty());
      assertThat(q.firstOrNull()).isEqualTo(model.peekFirst());
      assertThat(q.lastOrNull()).isEqualTo(model.peekLast());
      assertThat(q.toList()).containsExactlyElementsOf(model);
      versions.add(q);
      contents.add(List.copyOf(model));
    }
    // Older versions are untouched by what was built on them.
    for (int i = 0; i < versions.size(); i++) {
      assertThat(versions.get(i).toList()).isEqualTo(contents.get(i));
    }
  }

  @Property(tries = 200)
  void equalContentsAreEqualHoweverTheyWereBuilt(@ForAll @Size(max = 30) List<@IntRange(min = 0, max = 9) Integer> xs,
      @ForAll @IntRange(min = 0, max = 30) int shift) {
    PersistentQueue<Integer> direct = PersistentQueue.empty();
    for (int x : xs) {
      direct = direct.append(x);
    }
    // The same contents after a prefix came and went, so split differently between the two lists.
    PersistentQueue<Integer> shifted = PersistentQueue.empty();
    for (int i = 0; i < shift; i++) {
      shifted = shifted.append(-1);
    }
    shifted = shifted.removeFirst();
    for (int x : xs) {
      shifted = shifted.append(x);
    }
    for (int i = 1; i < shift; i++) {
      shifted = shifted.removeFirst();
    }
    assertThat(shifted).isEqualTo(direct).hasSameHashCodeAs(direct);
  }
}
