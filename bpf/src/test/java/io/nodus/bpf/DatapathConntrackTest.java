package io.nodus.bpf;

import static io.nodus.bpf.testing.NodeFixture.CLIENT_ENDPOINT;
import static io.nodus.bpf.testing.NodeFixture.SERVER_IDENTITY;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.nodus.bpf.events.DatapathEvent;
import io.nodus.bpf.events.EventType;
import io.nodus.bpf.maps.CtMap;
import io.nodus.bpf.maps.DatapathConfig;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMap;
import io.nodus.bpf.maps.PolicyValue;
import io.nodus.bpf.netns.NetNs;
import io.nodus.bpf.testing.NodeFixture;
import io.nodus.bpf.testing.Poll;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connection tracking and the events around it, in the kernel: replies and related ICMP errors
 * pass an enforced direction, entries expire and are collected, a full table is a counted drop,
 * tracing is opt-in per endpoint or datapath-wide, and a full ring buffer is counted.
 */
class DatapathConntrackTest {
    private static final Duration WAIT = Duration.ofSeconds(5);

    private NodeFixture node;

    @AfterEach
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    /** The client may only send UDP 5353 to the server; nothing may enter it except replies. */
    private void lockDownClient() {
        try (PolicyMap policy = node.datapath.policies().openOrCreate(CLIENT_ENDPOINT)) {
            policy.apply(Map.of(PolicyKey.egress(SERVER_IDENTITY, 5353, PolicyKey.UDP), PolicyValue.ALLOW), List.of());
        }
        node.setEndpoint(node.client, true, true);
    }

    @Test
    void repliesPassAnEnforcedDirectionAndEntriesExpireAndAreCollected() throws Exception {
        node = NodeFixture.start();
        node.datapath.config().set(DatapathConfig.DEFAULTS.withCtLifetimes(Duration.ofSeconds(1)));
        lockDownClient();

        assertThat(node.udp(5353)).as("the echo reply enters the client as a CT reply").isTrue();
        assertThat(node.udp(5354)).isFalse();
        CtMap ct = node.datapath.conntrack();
        assertThat(ct.entries()).isNotEmpty();

        // Nothing refreshes the entries: after their 1 s lifetime the collector removes them all.
        assertThat(Poll.until(WAIT, () -> ct.deleteExpired(CtMap.kernelNowNs()).deleted() > 0 && ct.entries().isEmpty()))
                .isTrue();
    }

    @Test
    void anIcmpErrorAboutATrackedFlowPassesAsRelated() throws Exception {
        node = NodeFixture.start();
        try (PolicyMap policy = node.datapath.policies().openOrCreate(CLIENT_ENDPOINT)) {
            policy.apply(Map.of(PolicyKey.egress(SERVER_IDENTITY, 5999, PolicyKey.UDP), PolicyValue.ALLOW), List.of());
        }
        node.setEndpoint(node.client, true, true);

        // Nothing listens on 5999: the server's kernel answers "port unreachable" into the client.
        boolean refused = NetNs.call(node.client.ns(), () -> {
            try (DatagramSocket s = new DatagramSocket()) {
                s.setSoTimeout(1000);
                s.connect(new InetSocketAddress(node.server.ip(), 5999));
                s.send(new DatagramPacket(new byte[] {1}, 1));
                s.receive(new DatagramPacket(new byte[16], 16));
                return false;
            } catch (PortUnreachableException e) {
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            }
        });
        assertThat(refused).as("the ICMP error reached the client").isTrue();
        assertThat(node.datapath.metrics().get(DropReason.POLICY_DENIED, TrafficDirection.INGRESS).packets()).isZero();
    }

    @Test
    void aFullCtTableDropsNewFlowsAsCtMapInsertionFailedUntilItIsCollected() throws Exception {
        node = NodeFixture.start(new DatapathSizes(8, 16384));
        node.datapath.config().set(DatapathConfig.DEFAULTS.withCtLifetimes(Duration.ofSeconds(1)));
        assertThat(node.datapath.conntrack().capacity()).isEqualTo(8);

        // Each exchange is a new flow (new source port) taking one entry per endpoint program.
        int answered = 0;
        for (int i = 0; i < 8; i++) {
            answered += node.udp(5353) ? 1 : 0;
        }
        assertThat(answered).isLessThan(8);
        assertThat(node.datapath.metrics().get(DropReason.CT_MAP_INSERTION_FAILED, TrafficDirection.EGRESS).packets())
                .isPositive();
        DatapathEvent drop = node.events.await(WAIT, e -> e.type() == EventType.DROP
                && e.reason() == DropReason.CT_MAP_INSERTION_FAILED).orElseThrow();
        assertThat(drop.reason().description()).isEqualTo("CT: Map insertion failed");

        // Once the entries expired and were collected, new flows are tracked again.
        CtMap ct = node.datapath.conntrack();
        assertThat(Poll.until(WAIT, () -> {
            ct.deleteExpired(CtMap.kernelNowNs());
            try {
                return node.udp(5353);
            } catch (Exception e) {
                return false;
            }
        })).isTrue();
    }

    @Test
    void tracingIsOptInPerEndpointOrDatapathWide() throws Exception {
        node = NodeFixture.start();
        assertThat(node.tcp(80)).isTrue();
        assertThat(node.events.events()).noneMatch(e -> e.type() == EventType.TRACE);

        node.datapath.endpoints().put(node.client.hostIfindex(),
                node.datapath.endpoints().lookup(node.client.hostIfindex()).orElseThrow().withTrace(true));
        assertThat(node.tcp(80)).isTrue();
        DatapathEvent syn = node.events.await(WAIT, e -> e.type() == EventType.TRACE && e.ctState() == 0
                && e.direction() == TrafficDirection.EGRESS).orElseThrow();
        assertThat(syn.reasonCode()).as("from-endpoint").isEqualTo(5);
        assertThat(syn.endpointId()).isEqualTo(CLIENT_ENDPOINT);
        assertThat(syn.dstIdentity()).isEqualTo(SERVER_IDENTITY);
        DatapathEvent reply = node.events.await(WAIT, e -> e.type() == EventType.TRACE && e.ctState() == 2).orElseThrow();
        assertThat(reply.reasonCode()).as("to-endpoint").isZero();
        assertThat(node.events.events()).noneMatch(e -> e.type() == EventType.TRACE && e.endpointId() != CLIENT_ENDPOINT);

        node.datapath.config().set(DatapathConfig.DEFAULTS.withTraceAll(true));
        assertThat(node.tcp(80)).isTrue();
        assertThat(node.events.await(WAIT, e -> e.type() == EventType.TRACE && e.endpointId() != CLIENT_ENDPOINT))
                .isPresent();
    }

    @Test
    void aFullRingBufferIsCountedAsLostEvents() throws Exception {
        node = NodeFixture.start();
        node.stopEvents();
        node.datapath.config().set(DatapathConfig.DEFAULTS.withTraceAll(true));
        // Every datagram and its echo make four trace events; the 1 MiB buffer holds ~16k.
        NetNs.run(node.client.ns(), () -> {
            try (DatagramSocket s = new DatagramSocket()) {
                s.connect(new InetSocketAddress(node.server.ip(), 5353));
                for (int i = 0; i < 12_000; i++) {
                    s.send(new DatagramPacket(new byte[] {1}, 1));
                }
            }
        });
        assertThat(Poll.until(WAIT, () -> node.datapath.metrics().get(DropReason.EVENT_LOST, TrafficDirection.EGRESS)
                .packets() + node.datapath.metrics().get(DropReason.EVENT_LOST, TrafficDirection.INGRESS).packets() > 0))
                .isTrue();
    }
}
