package io.nodus.bpf.libbpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import io.nodus.bpf.Datapath;
import io.nodus.bpf.testing.BpfFs;
import io.nodus.bpf.testing.Cmd;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading the shipped object: pins, reuse, and a failure that carries libbpf's own words. */
class BpfObjectTest {
    private Path pinRoot;

    @BeforeEach
    void createPinRoot() {
        pinRoot = BpfFs.newPinRoot();
    }

    @AfterEach
    void cleanUp() {
        BpfFs.deleteRecursively(pinRoot);
    }

    @Test
    void secondLoadReusesThePinnedMaps() {
        int firstCtId;
        try (BpfObject first = BpfObject.loadResource(Datapath.OBJECT_RESOURCE, pinRoot)) {
            firstCtId = first.map("nodus_ct").id();
            assertThat(first.programFd(Datapath.FROM_ENDPOINT)).isPositive();
        }
        try (BpfObject second = BpfObject.loadResource(Datapath.OBJECT_RESOURCE, pinRoot)) {
            assertThat(second.map("nodus_ct").id()).isEqualTo(firstCtId);
        }
    }

    @Test
    void closedObjectRefusesAccess() {
        BpfObject object = BpfObject.loadResource(Datapath.OBJECT_RESOURCE, pinRoot);
        BpfMap ct = object.map("nodus_ct");
        object.close();
        assertThatThrownBy(() -> object.programFd(Datapath.FROM_ENDPOINT)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(ct::fd).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPinOfUnknownDefinitionIsReplacedInsteadOfFailingTheLoad() throws Exception {
        Files.createDirectories(pinRoot);
        int impostorId;
        try (BpfMap impostor = BpfMap.create(MapType.HASH, 4, 4, 8, "nodus_ct")) {
            impostor.pin(pinRoot.resolve("nodus_ct"));
            impostorId = impostor.id();
        }
        try (BpfObject object = BpfObject.loadResource(Datapath.OBJECT_RESOURCE, pinRoot)) {
            assertThat(object.replacedMaps()).containsExactly("nodus_ct");
            assertThat(object.map("nodus_ct").id()).isNotEqualTo(impostorId);
            assertThat(object.map("nodus_ct").keySize()).isEqualTo(16);
        }
        try (BpfObject again = BpfObject.loadResource(Datapath.OBJECT_RESOURCE, pinRoot)) {
            assertThat(again.replacedMaps()).isEmpty();
        }
    }

    @Test
    void resizingAnUnknownMapIsRefused() {
        assertThatThrownBy(() -> BpfObject.loadResource(Datapath.OBJECT_RESOURCE, pinRoot, java.util.Map.of("nope", 4)))
                .hasMessageContaining("nope");
    }

    @Test
    void verifierRejectionCarriesTheVerifierLog(@TempDir Path dir) {
        Path src = dir.resolve("bad.c");
        Path obj = dir.resolve("bad.o");
        // Reads packet data without a bounds check: the verifier must refuse it.
        Cmd.run("sh", "-c", "cat > " + src + " <<'EOF'\n"
                + "#include <linux/bpf.h>\n#include <bpf/bpf_helpers.h>\n"
                + "SEC(\"tc\") int bad(struct __sk_buff *skb) { return *(int *)(long)skb->data; }\n"
                + "char LICENSE[] SEC(\"license\") = \"GPL\";\nEOF");
        Cmd.run("clang", "-O2", "-g", "-target", "bpf", "-I/usr/include/x86_64-linux-gnu", "-c", src.toString(),
                "-o", obj.toString());
        assertThatThrownBy(() -> BpfObject.load(obj, pinRoot)).isInstanceOfSatisfying(BpfException.class, e -> {
            assertThat(e.getMessage()).contains("verifier log").contains("invalid access to packet");
        });
    }

    @Test
    void missingResourceIsReported() {
        assertThatThrownBy(() -> BpfObject.loadResource("/io/nodus/bpf/missing.o", pinRoot))
                .hasMessageContaining("not found");
    }
}
