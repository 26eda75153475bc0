package io.nodus.state.codec;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ResourceKeyTest {

  @Property(tries = 500)
  void numberedKeysAreZeroPaddedToTenDigitsAsBefore(@ForAll int id) {
    assertThat(ResourceKey.padded(id)).isEqualTo(String.format("%010d", id));
  }

  @Test
  void identityKeysSortByNumber() {
    for (int id : new int[] {0, 1, 255, 256, 65_535, (1 << 24) | 7, Integer.MAX_VALUE}) {
      assertThat(ResourceKey.identity(id).id()).isEqualTo(String.format("%010d", id));
      assertThat(ResourceKey.quarantine(id).id()).isEqualTo(String.format("%010d", id));
    }
    assertThat(new String(ResourceKey.identity(9).toBytes())).isLessThan(new String(ResourceKey.identity(10).toBytes()));
  }
}
