package io.nodus.bpf.libbpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.nodus.bpf.testing.BpfFs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link BpfMap} on real kernel maps. */
class BpfMapTest {
    private Path pinRoot;
    private final List<BpfMap> maps = new ArrayList<>();

    @BeforeEach
    void createPinRoot() throws Exception {
        pinRoot = BpfFs.newPinRoot();
        Files.createDirectories(pinRoot);
    }

    @AfterEach
    void cleanUp() {
        maps.forEach(BpfMap::close);
        BpfFs.deleteRecursively(pinRoot);
    }

    @Test
    void createdMapReportsItsShape() {
        BpfMap map = track(BpfMap.create(MapType.HASH, 4, 8, 16, "t_shape"));
        assertThat(map.type()).isEqualTo(MapType.HASH);
        assertThat(map.keySize()).isEqualTo(4);
        assertThat(map.valueSize()).isEqualTo(8);
        assertThat(map.maxEntries()).isEqualTo(16);
        assertThat(map.name()).isEqualTo("t_shape");
        assertThat(map.id()).isPositive();
    }

    @Test
    void pinnedMapReopensWithItsContents() {
        Path pin = pinRoot.resolve("t_pinned");
        try (BpfMap map = BpfMap.create(MapType.HASH, 4, 8, 16, "t_pinned")) {
            map.update(key(1), value(100));
            map.pin(pin);
        }
        BpfMap reopened = track(BpfMap.openPinned(pin));
        assertThat(reopened.lookup(key(1))).hasValueSatisfying(v -> assertThat(v).isEqualTo(value(100)));
        assertThat(reopened.name()).isEqualTo("t_pinned");
    }

    @Test
    void lookupUpdateDeleteAndIterate() {
        BpfMap map = track(BpfMap.create(MapType.HASH, 4, 8, 64, "t_crud"));
        for (int i = 0; i < 10; i++) {
            map.update(key(i), value(i * 10L));
        }
        assertThat(map.keys()).hasSize(10);
        assertThat(map.lookup(key(3))).hasValueSatisfying(v -> assertThat(v).isEqualTo(value(30)));
        assertThat(map.delete(key(3))).isTrue();
        assertThat(map.delete(key(3))).isFalse();
        assertThat(map.lookup(key(3))).isEmpty();
        assertThat(map.keys()).hasSize(9);
    }

    @Test
    void updateWithNoExistOnPresentKeyFailsWithErrnoText() {
        BpfMap map = track(BpfMap.create(MapType.HASH, 4, 8, 4, "t_noexist"));
        map.update(key(1), value(1));
        assertThatThrownBy(() -> map.update(key(1), value(2), BpfMap.BPF_NOEXIST))
                .isInstanceOfSatisfying(BpfException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EEXIST);
                    assertThat(e.operation()).contains("bpf_map_update_elem");
                    assertThat(e.getMessage()).contains("File exists");
                });
    }

    @Test
    void batchUpdateAndBatchDeleteSkipAbsentKeys() {
        BpfMap map = track(BpfMap.create(MapType.HASH, 4, 8, 256, "t_batch"));
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            keys.add(key(i));
            values.add(value(i));
        }
        assertThat(map.updateBatch(keys, values)).isEqualTo(100);
        assertThat(map.keys()).hasSize(100);

        // 0..49 present, 1000 and 1001 absent in the middle and the end.
        List<byte[]> toDelete = new ArrayList<>(keys.subList(0, 25));
        toDelete.add(key(1000));
        toDelete.addAll(keys.subList(25, 50));
        toDelete.add(key(1001));
        assertThat(map.deleteBatch(toDelete)).isEqualTo(50);
        assertThat(map.keys()).hasSize(50);
        assertThat(map.lookup(key(49))).isEmpty();
        assertThat(map.lookup(key(50))).isPresent();
    }

    @Test
    void batchOpsWorkOnMapsWithoutBatchSupport() {
        // LPM tries may lack batch ops; the fallback must give the same result.
        BpfMap map = track(BpfMap.create(MapType.LPM_TRIE, 8, 4, 16, BpfMap.F_NO_PREALLOC, "t_lpm"));
        List<byte[]> keys = List.of(lpmKey(32, 10, 0, 0, 1), lpmKey(8, 10, 0, 0, 0));
        assertThat(map.updateBatch(keys, List.of(u32(1), u32(2)))).isEqualTo(2);
        assertThat(map.keys()).hasSize(2);
        assertThat(map.deleteBatch(keys)).isEqualTo(2);
        assertThat(map.keys()).isEmpty();
    }

    @Test
    void perCpuValuesHaveOneRoundedSlotPerCpu() {
        BpfMap map = track(BpfMap.create(MapType.PERCPU_HASH, 4, 4, 4, "t_percpu"));
        int cpus = Native.possibleCpus();
        assertThat(map.valueBufferSize()).isEqualTo(cpus * 8);
        byte[] perCpu = new byte[map.valueBufferSize()];
        ByteBuffer b = ByteBuffer.wrap(perCpu).order(ByteOrder.nativeOrder());
        for (int cpu = 0; cpu < cpus; cpu++) {
            b.putInt(cpu * 8, cpu + 1);
        }
        map.update(key(1), perCpu);
        assertThat(map.lookup(key(1))).hasValueSatisfying(v -> assertThat(v).isEqualTo(perCpu));
    }

    @Test
    void closedMapRefusesUse() {
        BpfMap map = BpfMap.create(MapType.HASH, 4, 8, 4, "t_closed");
        map.close();
        assertThatThrownBy(() -> map.lookup(key(1))).isInstanceOf(IllegalStateException.class);
    }

    private BpfMap track(BpfMap map) {
        maps.add(map);
        return map;
    }

    private static byte[] key(int k) {
        return u32(k);
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static byte[] value(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    private static byte[] lpmKey(int prefixLen, int a, int b, int c, int d) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(prefixLen)
                .put((byte) a).put((byte) b).put((byte) c).put((byte) d).array();
    }
}
