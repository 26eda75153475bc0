package io.nodus.state.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import org.junit.jupiter.api.Test;

class PersistentSortedMapTest {

  @Property(tries = 300)
  void behavesLikeTreeMapUnderRandomPutsAndRemoves(@ForAll("operations") List<Tuple2<Boolean, Integer>> ops) {
    TreeMap<Integer, String> model = new TreeMap<>();
    PersistentSortedMap<Integer, String> map = PersistentSortedMap.empty();
    for (Tuple2<Boolean, Integer> op : ops) {
      if (op.get1()) {
        model.put(op.get2(), "v" + op.get2());
        map = map.put(op.get2(), "v" + op.get2());
      } else {
        model.remove(op.get2());
        map = map.remove(op.get2());
      }
      map.checkInvariants();
    }
    assertThat(map.size()).isEqualTo(model.size());
    assertThat(map.keys()).containsExactlyElementsOf(model.keySet());
    for (Map.Entry<Integer, String> e : model.entrySet()) {
      assertThat(map.getOrNull(e.getKey())).isEqualTo(e.getValue());
    }
    assertThat(map).isEqualTo(PersistentSortedMap.copyOf(model));
    assertThat(map.hashCode()).isEqualTo(PersistentSortedMap.copyOf(model).hashCode());
  }

  @Property(tries = 300)
  void entriesAfterAKeyAreTheTreeMapsTail(@ForAll("operations") List<Tuple2<Boolean, Integer>> ops,
      @ForAll @net.jqwik.api.constraints.IntRange(min = -1, max = 201) int from) {
    TreeMap<Integer, String> model = new TreeMap<>();
    PersistentSortedMap<Integer, String> map = PersistentSortedMap.empty();
    for (Tuple2<Boolean, Integer> op : ops) {
      if (op.get1()) {
        model.put(op.get2(), "v" + op.get2());
        map = map.put(op.get2(), "v" + op.get2());
      } else {
        model.remove(op.get2());
        map = map.remove(op.get2());
      }
    }
    List<Map.Entry<Integer, String>> tail = new java.util.ArrayList<>();
    map.entriesAfter(from).forEachRemaining(tail::add);
    assertThat(tail).containsExactlyElementsOf(List.copyOf(model.tailMap(from, false).entrySet()));
    List<Map.Entry<Integer, String>> all = new java.util.ArrayList<>();
    map.entriesAfter(null).forEachRemaining(all::add);
    assertThat(all).containsExactlyElementsOf(List.copyOf(model.entrySet()));
  }

  @Provide
  Arbitrary<List<Tuple2<Boolean, Integer>>> operations() {
    return Arbitraries.integers().between(0, 200)
        .flatMap(k -> Arbitraries.of(true, true, false).map(put -> Tuple.of(put, k)))
        .list().ofMaxSize(400);
  }

  @Test
  void oldVersionsStayUnchangedAfterUpdates() {
    PersistentSortedMap<String, Integer> a = PersistentSortedMap.<String, Integer>empty().put("x", 1).put("y", 2);
    PersistentSortedMap<String, Integer> b = a.put("x", 10).remove("y").put("z", 3);
    assertThat(a.keys()).containsExactly("x", "y");
    assertThat(a.getOrNull("x")).isEqualTo(1);
    assertThat(b.keys()).containsExactly("x", "z");
    assertThat(b.getOrNull("x")).isEqualTo(10);
  }

  @Test
  void unchangedPutAndMissingRemoveReturnTheSameInstance() {
    PersistentSortedMap<String, Integer> a = PersistentSortedMap.<String, Integer>empty().put("x", 1);
    assertThat(a.put("x", 1)).isSameAs(a);
    assertThat(a.remove("nope")).isSameAs(a);
  }

  @Test
  void ceilingKeyFindsTheNextKey() {
    PersistentSortedMap<Integer, String> m = PersistentSortedMap.<Integer, String>empty().put(10, "a").put(20, "b").put(30, "c");
    assertThat(m.ceilingKey(15)).contains(20);
    assertThat(m.ceilingKey(20)).contains(20);
    assertThat(m.ceilingKey(31)).isEmpty();
  }
}
