package io.nodus.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.nodus.bpf.events.DatapathEvent;
import io.nodus.bpf.libbpf.Btf;
import io.nodus.bpf.maps.ConfigMap;
import io.nodus.bpf.maps.CtMap;
import io.nodus.bpf.maps.EndpointMap;
import io.nodus.bpf.maps.IpCacheMap;
import io.nodus.bpf.maps.LogPositionMap;
import io.nodus.bpf.maps.MapShape;
import io.nodus.bpf.maps.MetricsMap;
import io.nodus.bpf.maps.PolicyMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Java layouts and codes against the compiled object's BTF and the C header. */
class DatapathLayoutTest {
    private static Btf btf;

    @BeforeAll
    static void parseShippedObject(@TempDir Path dir) throws Exception {
        Path object = dir.resolve("nodus_datapath.o");
        try (InputStream in = DatapathLayoutTest.class.getResourceAsStream(Datapath.OBJECT_RESOURCE)) {
            assertThat(in).as("object shipped as a classpath resource").isNotNull();
            Files.copy(in, object);
        }
        btf = Btf.parse(object);
    }

    @AfterAll
    static void free() {
        btf.close();
    }

    @Test
    void mapKeyAndValueSizesMatchBtf() {
        for (MapShape shape : List.of(IpCacheMap.SHAPE, EndpointMap.SHAPE, PolicyMap.SHAPE, CtMap.SHAPE,
                MetricsMap.SHAPE, ConfigMap.SHAPE, LogPositionMap.SHAPE)) {
            if (shape.keyStruct() != null) {
                assertThat(btf.structSize(shape.keyStruct())).as(shape.keyStruct()).hasValue(shape.keySize());
            }
            assertThat(btf.structSize(shape.valueStruct())).as(shape.valueStruct()).hasValue(shape.valueSize());
        }
    }

    @Test
    void eventSizeMatchesBtf() {
        assertThat(btf.structSize(DatapathEvent.STRUCT)).hasValue(DatapathEvent.SIZE);
    }

    @Test
    void unknownStructIsAbsent() {
        assertThat(btf.structSize("no_such_struct")).isEmpty();
    }

    @Test
    void reasonCodesMatchTheHeader() throws Exception {
        String header = Files.readString(Path.of("src/main/c/nodus_maps.h"));
        Matcher m = Pattern.compile("#define\\s+(?:REASON|DROP)_\\w+\\s+(\\d+)").matcher(header);
        Set<Integer> headerCodes = new TreeSet<>();
        while (m.find()) {
            headerCodes.add(Integer.parseInt(m.group(1)));
        }
        Set<Integer> javaCodes = new TreeSet<>();
        for (DropReason r : DropReason.values()) {
            if (r != DropReason.UNKNOWN) {
                javaCodes.add(r.code());
            }
        }
        assertThat(javaCodes).isEqualTo(headerCodes);
        assertThat(DropReason.of(133).description()).isEqualTo("Policy denied");
        assertThat(DropReason.of(181).description()).isEqualTo("Policy denied by denylist");
        assertThat(DropReason.of(155).description()).isEqualTo("CT: Map insertion failed");
        assertThat(DropReason.of(139).description()).isEqualTo("Unsupported L3 protocol");
        assertThat(DropReason.of(250)).isEqualTo(DropReason.UNKNOWN);
    }
}
