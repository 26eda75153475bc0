package io.nodus.bpf.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;

import io.nodus.bpf.libbpf.BpfException;
import io.nodus.bpf.testing.BpfFs;
import io.nodus.bpf.testing.Cmd;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link NetNs} against real namespaces. */
class NetNsTest {
    private String ns;

    @BeforeEach
    void createNamespace() {
        ns = "nodus-nstest-" + BpfFs.randomSuffix();
        Cmd.run("ip", "netns", "add", ns);
        Cmd.run("ip", "-n", ns, "link", "add", "probe0", "type", "veth", "peer", "name", "probe1");
    }

    @AfterEach
    void deleteNamespace() {
        Cmd.quiet("ip", "netns", "del", ns);
    }

    @Test
    void interfacesResolveInsideTheNamespaceOnly() throws Exception {
        assertThat(NetNs.ifindex(ns, "probe0")).isPositive();
        assertThatThrownBy(() -> NetNs.ifindex("probe0")).isInstanceOf(BpfException.class)
                .hasMessageContaining("if_nametoindex");
    }

    @Test
    void socketsCreatedInsideStayInTheNamespace() throws Exception {
        // lo is down in a fresh namespace: bring it up there, and listen on it from inside.
        Cmd.run("ip", "-n", ns, "link", "set", "lo", "up");
        try (ServerSocket server = NetNs.call(ns, () -> new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))) {
            int port = server.getLocalPort();
            // Connecting from inside reaches it ...
            boolean inside = NetNs.call(ns, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                    return true;
                }
            });
            assertThat(inside).isTrue();
            // ... and the root namespace has no such listener (a different loopback).
            try (Socket s = new Socket()) {
                assertThatThrownBy(() -> s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000))
                        .isInstanceOf(java.io.IOException.class);
            }
        }
    }

    @Test
    void callerThreadNamespaceIsUntouchedAndPinsStayVisible() throws Exception {
        String before = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        String inside = NetNs.call(ns, () -> Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString());
        assertThat(inside).isNotEqualTo(before);
        assertThat(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString()).isEqualTo(before);
        BpfFs.ensureMounted();
        assertThat(NetNs.call(ns, () -> Files.isDirectory(BpfFs.ROOT))).isTrue();
    }

    @Test
    void taskExceptionsPropagateUnwrapped() {
        assertThatThrownBy(() -> NetNs.run(ns, () -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class).hasMessage("boom");
        assertThatThrownBy(() -> NetNs.call("nodus-missing-" + BpfFs.randomSuffix(), () -> 1))
                .isInstanceOf(BpfException.class).hasMessageContaining("open /var/run/netns/");
    }
}
