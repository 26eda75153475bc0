package io.nodus.state.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;
import org.junit.jupiter.api.Test;

class PersistentHashMapTest {

  /**
   * A key whose hash is chosen by the test, so that a few bits of it make keys collide on
   * fragments and on whole hashes.
   */
  record Key(int hash, int id) implements Comparable<Key> {
    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public int compareTo(Key o) {
      return hash != o.hash ? Integer.compare(hash, o.hash) : Integer.compare(id, o.id);
    }
  }

  @Property(tries = 300)
  void behavesLikeHashMapUnderRandomPutsAndRemoves(@ForAll("operations") List<Tuple2<Boolean, Key>> ops) {
    Map<Key, String> model = new HashMap<>();
    PersistentHashMap<Key, String> map = PersistentHashMap.empty();
    for (Tuple2<Boolean, Key> op : ops) {
      PersistentHashMap<Key, String> before = map;
      Map<Key, String> modelBefore = new HashMap<>(model);
      if (op.get1()) {
        String value = "v" + op.get2().id() % 3;
        model.put(op.get2(), value);
        map = map.put(op.get2(), value);
      } else {
        model.remove(op.get2());
        map = map.remove(op.get2());
      }
      map.checkInvariants();
      // The old version is untouched, and an operation that changes nothing returns the same map.
      assertSameContents(before, modelBefore);
      if (model.equals(modelBefore)) {
        assertThat(map).isSameAs(before);
      }
      assertThat(map.size()).isEqualTo(model.size());
    }
    assertSameContents(map, model);
    assertThat(map.valuesInKeyOrder()).containsExactlyElementsOf(new java.util.TreeMap<>(model).values());
    for (Tuple2<Boolean, Key> op : ops) {
      assertThat(map.get(op.get2())).isEqualTo(java.util.Optional.ofNullable(model.get(op.get2())));
      assertThat(map.containsKey(op.get2())).isEqualTo(model.containsKey(op.get2()));
    }
    PersistentHashMap<Key, String> copy = PersistentHashMap.copyOf(model);
    assertThat(map).isEqualTo(copy);
    assertThat(map.hashCode()).isEqualTo(copy.hashCode()).isEqualTo(model.hashCode());
  }

  @Property(tries = 200)
  void mapsWithEqualContentsIterateIdenticallyHoweverTheyWereBuilt(
      @ForAll("operations") List<Tuple2<Boolean, Key>> ops, @ForAll long seed) {
    PersistentHashMap<Key, String> map = PersistentHashMap.empty();
    for (Tuple2<Boolean, Key> op : ops) {
      map = op.get1() ? map.put(op.get2(), "v") : map.remove(op.get2());
    }
    // The same contents, inserted in a shuffled order with extra keys added and removed again.
    List<Key> keys = new ArrayList<>(map.keys());
    Collections.shuffle(keys, new Random(seed));
    PersistentHashMap<Key, String> other = PersistentHashMap.empty();
    for (int i = 0; i < keys.size(); i++) {
      Key extra = new Key(keys.get(i).hash() ^ (i & 7), -1 - i);
      other = other.put(extra, "x").put(keys.get(i), "v");
      if (!map.containsKey(extra)) {
        other = other.remove(extra);
      }
    }
    other.checkInvariants();
    assertThat(other).isEqualTo(map);
    assertThat(other.keys()).containsExactlyElementsOf(map.keys());
    assertThat(other.toString()).isEqualTo(map.toString());
  }

  @Provide
  Arbitrary<List<Tuple2<Boolean, Key>>> operations() {
    // Hashes from a few patterns: equal low bits (deep tries), equal whole hashes (collisions), random.
    Arbitrary<Integer> hash = Arbitraries.oneOf(
        Arbitraries.integers().between(0, 40),
        Arbitraries.integers().between(0, 7).map(h -> h << 27),
        Arbitraries.integers().between(0, 3).map(h -> 0x5555_0000 | h),
        Arbitraries.integers());
    Arbitrary<Key> key = hash.flatMap(h -> Arbitraries.integers().between(0, 3).map(id -> new Key(h, id)));
    return Arbitraries.integers().between(0, 9).flatMap(removeWeight ->
        Arbitraries.frequencyOf(
                Tuple.of(10, key.map(k -> Tuple.of(true, k))),
                Tuple.of(removeWeight, key.map(k -> Tuple.of(false, k))))
            .list().ofMaxSize(200));
  }

  @Test
  void removingEveryKeyLeavesTheEmptyMap() {
    PersistentHashMap<String, Integer> map = PersistentHashMap.empty();
    for (int i = 0; i < 5000; i++) {
      map = map.put("k" + i, i);
    }
    assertThat(map.size()).isEqualTo(5000);
    for (int i = 0; i < 5000; i++) {
      map = map.remove("k" + i);
    }
    assertThat(map).isEqualTo(PersistentHashMap.empty());
    assertThat(map.isEmpty()).isTrue();
    assertThat(map.iterator().hasNext()).isFalse();
  }

  private static void assertSameContents(PersistentHashMap<Key, String> map, Map<Key, String> model) {
    Map<Key, String> seen = new HashMap<>();
    for (Map.Entry<Key, String> e : map) {
      assertThat(seen.put(e.getKey(), e.getValue())).isNull();
    }
    assertThat(seen).isEqualTo(model);
    assertThat(map.values()).hasSize(model.size());
  }
}
