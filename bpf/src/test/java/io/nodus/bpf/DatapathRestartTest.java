package io.nodus.bpf;

import static io.nodus.bpf.testing.NodeFixture.CLIENT_IDENTITY;
import static io.nodus.bpf.testing.NodeFixture.SERVER_ENDPOINT;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.nodus.bpf.events.EventType;
import io.nodus.bpf.libbpf.BpfObject;
import io.nodus.bpf.maps.CtKey;
import io.nodus.bpf.maps.CtValue;
import io.nodus.bpf.maps.EndpointInfo;
import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMap;
import io.nodus.bpf.maps.PolicyValue;
import io.nodus.bpf.netns.NetNs;
import io.nodus.bpf.tc.TcAttachment;
import io.nodus.bpf.tc.TcDirection;
import io.nodus.bpf.testing.NodeFixture;
import io.nodus.bpf.testing.Poll;
import io.nodus.bpf.testing.Traffic;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An agent restart: every Java handle closes (enforcement must carry on from pins and attached
 * filters), then the object is loaded again over the pins and re-attached with an atomic replace
 * while an established connection keeps flowing.
 */
class DatapathRestartTest {
    private NodeFixture node;

    @BeforeEach
    void startNode() throws Exception {
        node = NodeFixture.start();
    }

    @AfterEach
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void enforcementAndMapContentsSurviveClosingHandlesAndReloadingFromPins() throws Exception {
        PolicyKey http = PolicyKey.ingress(CLIENT_IDENTITY, 80, PolicyKey.TCP);
        try (PolicyMap policy = node.datapath.policies().create(SERVER_ENDPOINT)) {
            policy.apply(Map.of(http, PolicyValue.ALLOW), List.of());
        }
        node.setEndpoint(node.server, true, false);
        Socket established = node.traffic.connect(node.client.ns(), node.server.ip(), 80);
        assertThat(Traffic.roundTrip(established, (byte) 1)).isTrue();
        assertThat(node.tcp(8080)).isFalse();

        Map<Integer, EndpointInfo> endpoints = node.datapath.endpoints().entries();
        Map<Ipv4Prefix, IpCacheEntry> ipcache = node.datapath.ipcache().entries();
        Map<CtKey, CtValue> conntrack = node.datapath.conntrack().entries();
        int oldFromId = BpfObject.programId(node.datapath.fromEndpointProgramFd());
        int serverIfindex = node.server.hostIfindex();

        // The agent goes away: no fd, no object, no reader left in this process.
        node.closeHandles();
        assertThat(attachedId(serverIfindex, TcDirection.INGRESS)).hasValue(oldFromId);
        assertThat(node.tcp(80)).as("allowed while the agent is down").isTrue();
        assertThat(node.tcp(8080)).as("still denied while the agent is down").isFalse();
        assertThat(Traffic.roundTrip(established, (byte) 2)).isTrue();

        // The agent comes back: same pins, new programs swapped in under running traffic.
        node.openAndAttach();
        assertThat(node.datapath.endpoints().entries()).isEqualTo(endpoints);
        assertThat(node.datapath.ipcache().entries()).isEqualTo(ipcache);
        assertThat(node.datapath.conntrack().entries()).containsKeys(conntrack.keySet().toArray(CtKey[]::new));
        try (PolicyMap policy = node.datapath.policies().open(SERVER_ENDPOINT).orElseThrow()) {
            assertThat(policy.entries()).isEqualTo(Map.of(http, PolicyValue.ALLOW));
        }
        int newFromId = BpfObject.programId(node.datapath.fromEndpointProgramFd());
        assertThat(newFromId).isNotEqualTo(oldFromId);
        assertThat(attachedId(serverIfindex, TcDirection.INGRESS)).hasValue(newFromId);
        assertThat(NetNs.call(node.topology.nodeNs(), () -> node.datapath.isAttached(serverIfindex))).isTrue();

        assertThat(Traffic.roundTrip(established, (byte) 3)).as("established flow across the swap").isTrue();
        assertThat(node.tcp(80)).isTrue();
        node.events.clear();
        assertThat(node.tcp(8080)).isFalse();
        assertThat(node.events.await(Duration.ofSeconds(5), e -> e.type() == EventType.DROP
                && e.destinationPort() == 8080 && e.reason() == DropReason.POLICY_DENIED)).isPresent();
    }

    @Test
    void reattachingUnderTrafficLosesNoDatagram() throws Exception {
        try (PolicyMap policy = node.datapath.policies().create(SERVER_ENDPOINT)) {
            policy.apply(Map.of(PolicyKey.ingress(CLIENT_IDENTITY, 5353, PolicyKey.UDP), PolicyValue.ALLOW), List.of());
        }
        node.setEndpoint(node.server, true, false);

        // One datagram in flight at a time: any drop during the swap shows up as a missing echo.
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger echoed = new AtomicInteger();
        AtomicInteger lost = new AtomicInteger();
        CompletableFuture<Void> pingPong = CompletableFuture.runAsync(() -> {
            try {
                NetNs.run(node.client.ns(), () -> {
                    try (DatagramSocket socket = new DatagramSocket()) {
                        socket.setSoTimeout(Traffic.CONNECT_TIMEOUT_MS);
                        byte[] buf = new byte[8];
                        while (!stop.get()) {
                            socket.send(new DatagramPacket(buf, buf.length, node.server.ip(), 5353));
                            try {
                                socket.receive(new DatagramPacket(new byte[8], 8));
                                echoed.incrementAndGet();
                            } catch (SocketTimeoutException e) {
                                lost.incrementAndGet();
                            }
                        }
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertThat(Poll.until(Duration.ofSeconds(5), () -> echoed.get() >= 100)).isTrue();
            node.closeHandles();
            node.openAndAttach();
            int afterSwap = echoed.get();
            assertThat(Poll.until(Duration.ofSeconds(5), () -> echoed.get() >= afterSwap + 100)).isTrue();
        } finally {
            stop.set(true);
            pingPong.get(5, TimeUnit.SECONDS);
        }
        assertThat(lost.get()).as("datagrams lost across the program swap, of %d echoed", echoed.get()).isZero();
    }

    private OptionalInt attachedId(int ifindex, TcDirection direction) throws Exception {
        return NetNs.call(node.topology.nodeNs(), () -> new TcAttachment(ifindex, direction).attachedProgramId());
    }
}
