package io.nodus.bpf;

import static io.nodus.bpf.testing.NodeFixture.CLIENT_ENDPOINT;
import static io.nodus.bpf.testing.NodeFixture.CLIENT_IDENTITY;
import static io.nodus.bpf.testing.NodeFixture.SERVER_ENDPOINT;
import static io.nodus.bpf.testing.NodeFixture.SERVER_IDENTITY;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.nodus.bpf.events.DatapathEvent;
import io.nodus.bpf.events.EventType;
import io.nodus.bpf.maps.CtKey;
import io.nodus.bpf.maps.CtMap;
import io.nodus.bpf.maps.CtMapAccess;
import io.nodus.bpf.maps.CtValue;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMap;
import io.nodus.bpf.maps.PolicyValue;
import io.nodus.bpf.netns.NetNs;
import io.nodus.bpf.testing.NodeFixture;
import io.nodus.bpf.testing.Poll;
import io.nodus.bpf.testing.Traffic;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The datapath enforcing policy on real traffic between two endpoint namespaces behind a node
 * namespace: TCP, UDP and ICMP, ingress and egress, allow, deny and default deny, with drop
 * events and metrics.
 */
class DatapathEnforcementTest {
    private static final Duration EVENT_WAIT = Duration.ofSeconds(5);
    private static final int ICMP_ECHO_REQUEST = 8;

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
    void withoutEnforcementEverythingPassesAndIsTracked() throws Exception {
        assertThat(node.tcp(80)).isTrue();
        assertThat(node.tcp(8080)).isTrue();
        assertThat(node.udp(5353)).isTrue();
        assertThat(node.ping()).isTrue();

        Map<CtKey, CtValue> ct = node.datapath.conntrack().entries();
        // The client's program tracked its egress, the server's program its ingress, per flow.
        assertThat(ct.keySet()).anySatisfy(k -> assertFlow(k, 80, PolicyKey.TCP, TrafficDirection.EGRESS));
        assertThat(ct.keySet()).anySatisfy(k -> assertFlow(k, 80, PolicyKey.TCP, TrafficDirection.INGRESS));
        assertThat(ct.keySet()).anySatisfy(k -> assertFlow(k, 5353, PolicyKey.UDP, TrafficDirection.INGRESS));
        assertThat(ct.keySet()).anySatisfy(k -> assertThat(k.proto()).isEqualTo(PolicyKey.ICMP));
        // Closed connections are marked as closing.
        assertThat(Poll.until(Duration.ofSeconds(3), () -> node.datapath.conntrack().entries().entrySet().stream()
                .anyMatch(e -> e.getKey().destinationPort() == 80 && e.getValue().finSeen()))).isTrue();

        assertThat(node.datapath.metrics().get(DropReason.FORWARDED, TrafficDirection.INGRESS).packets()).isPositive();
        assertThat(node.datapath.metrics().get(DropReason.FORWARDED, TrafficDirection.EGRESS).packets()).isPositive();
        assertThat(node.events.events()).noneMatch(e -> e.proto() == PolicyKey.TCP);
    }

    @Test
    void ingressAllowEntryAdmitsItsPortAndOthersAreDroppedWithAnEvent() throws Exception {
        allowIngress(PolicyKey.ingress(CLIENT_IDENTITY, 80, PolicyKey.TCP));
        node.setEndpoint(node.server, true, false);

        assertThat(node.tcp(80)).as("allowed port, replies pass through CT").isTrue();
        assertThat(node.tcp(8080)).as("port without an allow entry").isFalse();

        DatapathEvent drop = awaitDrop(e -> e.destinationPort() == 8080);
        assertThat(drop.type()).isEqualTo(EventType.DROP);
        assertThat(drop.reason()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(drop.reason().description()).isEqualTo("Policy denied");
        assertThat(drop.direction()).isEqualTo(TrafficDirection.INGRESS);
        assertThat(drop.proto()).isEqualTo(PolicyKey.TCP);
        assertThat(drop.endpointId()).isEqualTo(SERVER_ENDPOINT);
        assertThat(drop.srcIdentity()).isEqualTo(CLIENT_IDENTITY);
        assertThat(drop.dstIdentity()).isEqualTo(SERVER_IDENTITY);
        assertThat(drop.source()).isEqualTo(node.client.ip());
        assertThat(drop.destination()).isEqualTo(node.server.ip());
        assertThat(drop.sourcePort()).isPositive();
        assertThat(drop.ifindex()).isEqualTo(node.server.hostIfindex());
        assertThat(drop.length()).isPositive();

        assertThat(node.datapath.metrics().get(DropReason.POLICY_DENIED, TrafficDirection.INGRESS).packets())
                .isPositive();
        assertThat(node.datapath.metrics().get(DropReason.FORWARDED, TrafficDirection.INGRESS).packets())
                .isPositive();
    }

    @Test
    void udpAndIcmpFollowTheSameRules() throws Exception {
        PolicyMap policy = allowIngress(PolicyKey.ingress(CLIENT_IDENTITY, 5353, PolicyKey.UDP));
        node.setEndpoint(node.server, true, false);

        assertThat(node.udp(5353)).isTrue();
        assertThat(node.udp(5354)).isFalse();
        DatapathEvent udpDrop = awaitDrop(e -> e.proto() == PolicyKey.UDP && e.destinationPort() == 5354);
        assertThat(udpDrop.reason()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(udpDrop.srcIdentity()).isEqualTo(CLIENT_IDENTITY);

        assertThat(node.ping()).isFalse();
        DatapathEvent icmpDrop = awaitDrop(e -> e.proto() == PolicyKey.ICMP);
        assertThat(icmpDrop.reason()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(icmpDrop.source()).isEqualTo(node.client.ip());

        // ICMP policy "ports" are ICMP types: allow echo requests, the replies pass through CT.
        policy.apply(Map.of(PolicyKey.ingress(CLIENT_IDENTITY, ICMP_ECHO_REQUEST, PolicyKey.ICMP), PolicyValue.ALLOW),
                List.of());
        assertThat(node.ping()).isTrue();
    }

    @Test
    void egressPolicyIsEnforcedOnTheSendingEndpoint() throws Exception {
        try (PolicyMap policy = node.datapath.policies().create(CLIENT_ENDPOINT)) {
            policy.apply(Map.of(PolicyKey.egress(SERVER_IDENTITY, 80, PolicyKey.TCP), PolicyValue.ALLOW), List.of());
        }
        node.setEndpoint(node.client, false, true);

        assertThat(node.tcp(80)).isTrue();
        assertThat(node.tcp(8080)).isFalse();
        DatapathEvent drop = awaitDrop(e -> e.destinationPort() == 8080);
        assertThat(drop.reason()).isEqualTo(DropReason.POLICY_DENIED);
        assertThat(drop.direction()).isEqualTo(TrafficDirection.EGRESS);
        assertThat(drop.endpointId()).isEqualTo(CLIENT_ENDPOINT);
        assertThat(drop.srcIdentity()).isEqualTo(CLIENT_IDENTITY);
        assertThat(drop.dstIdentity()).isEqualTo(SERVER_IDENTITY);
        assertThat(drop.ifindex()).isEqualTo(node.client.hostIfindex());
        assertThat(node.datapath.metrics().get(DropReason.POLICY_DENIED, TrafficDirection.EGRESS).packets())
                .isPositive();
    }

    @Test
    void enforcedEndpointWithoutPolicyMapDeniesEverything() throws Exception {
        node.setEndpoint(node.server, true, false);
        assertThat(node.tcp(80)).isFalse();
        assertThat(awaitDrop(e -> e.destinationPort() == 80).reason()).isEqualTo(DropReason.POLICY_DENIED);
    }

    @Test
    void addressesMissingFromTheIpcacheAreWorld() throws Exception {
        node.datapath.ipcache().delete(Ipv4Prefix.host(node.client.ip()));
        allowIngress(PolicyKey.ingress(2, 80, PolicyKey.TCP));
        node.setEndpoint(node.server, true, false);

        assertThat(node.tcp(80)).isTrue();
        assertThat(node.tcp(8080)).isFalse();
        assertThat(awaitDrop(e -> e.destinationPort() == 8080).srcIdentity()).isEqualTo(2);
    }

    @Test
    void establishedConnectionsSurviveEnforcementThroughConntrack() throws Exception {
        Socket established = node.traffic.connect(node.client.ns(), node.server.ip(), 8080);
        assertThat(Traffic.roundTrip(established, (byte) 1)).isTrue();

        allowIngress(PolicyKey.ingress(CLIENT_IDENTITY, 80, PolicyKey.TCP));
        node.setEndpoint(node.server, true, false);

        assertThat(Traffic.roundTrip(established, (byte) 2)).as("tracked before enforcement").isTrue();
        assertThat(node.tcp(8080)).as("a new connection is a new flow").isFalse();
    }

    @Test
    void expiredConntrackEntriesCountAsAbsent() throws Exception {
        Socket established = node.traffic.connect(node.client.ns(), node.server.ip(), 8080);
        assertThat(Traffic.roundTrip(established, (byte) 1)).isTrue();
        allowIngress(PolicyKey.ingress(CLIENT_IDENTITY, 80, PolicyKey.TCP));
        node.setEndpoint(node.server, true, false);

        // Age the connection's entries past their deadline, as if it had been idle for hours.
        for (Map.Entry<CtKey, CtValue> e : node.datapath.conntrack().entries().entrySet()) {
            if (e.getKey().destinationPort() == 8080) {
                CtValue v = e.getValue();
                node.datapath.conntrack().map().update(ctKeyBytes(e.getKey()),
                        ctValueBytes(new CtValue(CtMap.kernelNowNs() - 1, v.packets(), v.bytes(), false, false)));
            }
        }
        assertThat(Traffic.roundTrip(established, (byte) 2)).as("expired entry is a new, denied flow").isFalse();
        assertThat(awaitDrop(e -> e.destinationPort() == 8080).reason()).isEqualTo(DropReason.POLICY_DENIED);
    }

    @Test
    void laterFragmentsFollowTheirFirstFragment() throws Exception {
        allowIngress(PolicyKey.ingress(CLIENT_IDENTITY, 5353, PolicyKey.UDP));
        node.setEndpoint(node.server, true, false);
        int fragmented = 3000; // > 1500 MTU: the client's stack sends fragments

        assertThat(node.udp(5353, fragmented)).as("later fragments carry the first one's ports").isTrue();
        assertThat(node.datapath.metrics().get(DropReason.FRAGMENT_NOT_FOUND, TrafficDirection.INGRESS).packets())
                .isZero();
        assertThat(node.udp(5354, fragmented)).isFalse();
        assertThat(awaitDrop(e -> e.proto() == PolicyKey.UDP && e.destinationPort() == 5354).reason())
                .isEqualTo(DropReason.POLICY_DENIED);
    }

    @Test
    void detachedInterfaceIsNoLongerEnforced() throws Exception {
        node.setEndpoint(node.server, true, false);
        assertThat(node.tcp(80)).isFalse();
        NetNs.run(node.topology.nodeNs(), () -> node.datapath.detach(node.server.hostIfindex()));
        assertThat(NetNs.call(node.topology.nodeNs(), () -> node.datapath.isAttached(node.server.hostIfindex())))
                .isFalse();
        assertThat(node.tcp(80)).isTrue();
    }

    @Test
    void unknownInterfacesAreNotTouched() throws Exception {
        node.datapath.endpoints().delete(node.server.hostIfindex());
        node.datapath.endpoints().delete(node.client.hostIfindex());
        long forwarded = node.datapath.metrics().get(DropReason.FORWARDED, TrafficDirection.INGRESS).packets();

        assertThat(node.tcp(8080)).isTrue();
        assertThat(node.datapath.metrics().get(DropReason.FORWARDED, TrafficDirection.INGRESS).packets())
                .isEqualTo(forwarded);
    }

    @Test
    void ipv6IsDroppedAsUnsupportedL3() throws Exception {
        byte[] allNodes = new byte[16];
        allNodes[0] = (byte) 0xff;
        allNodes[1] = 0x02;
        allNodes[15] = 1;
        // The node namespace sends IPv6 of its own (router solicitations, MLD) towards endpoints:
        // look for the drop of the client's datagram, leaving the client.
        Predicate<DatapathEvent> clientV6 = e -> e.reason() == DropReason.UNSUPPORTED_L3_PROTOCOL
                && e.direction() == TrafficDirection.EGRESS && e.endpointId() == CLIENT_ENDPOINT;
        // Link-local multicast needs no routes or neighbours; repeat until the first one is sent.
        boolean dropped = Poll.until(EVENT_WAIT, () -> {
            try {
                NetNs.run(node.client.ns(), () -> {
                    Inet6Address dst = Inet6Address.getByAddress(null, allNodes, NetNs.ifindex("eth0"));
                    try (DatagramSocket s = new DatagramSocket()) {
                        s.send(new DatagramPacket(new byte[] {1}, 1, dst, 9));
                    }
                });
            } catch (Exception e) {
                // the link-local address may still be tentative
            }
            return node.events.events().stream().anyMatch(clientV6);
        });
        assertThat(dropped).isTrue();
        assertThat(awaitDrop(clientV6).proto()).isZero();
        assertThat(node.datapath.metrics().get(DropReason.UNSUPPORTED_L3_PROTOCOL, TrafficDirection.EGRESS).packets())
                .isPositive();
    }

    private PolicyMap allowIngress(PolicyKey key) {
        PolicyMap policy = node.datapath.policies().openOrCreate(SERVER_ENDPOINT);
        policy.apply(Map.of(key, PolicyValue.ALLOW), List.of());
        return policy;
    }

    private DatapathEvent awaitDrop(Predicate<DatapathEvent> matching) {
        return node.events.await(EVENT_WAIT, e -> e.type() == EventType.DROP && matching.test(e))
                .orElseThrow(() -> new AssertionError("no matching drop event; got " + node.events.events()));
    }

    private static byte[] ctKeyBytes(CtKey key) {
        return CtMapAccess.key(key);
    }

    private static byte[] ctValueBytes(CtValue value) {
        return CtMapAccess.value(value);
    }

    private void assertFlow(CtKey key, int port, int proto, TrafficDirection direction) {
        assertThat(key.source()).isEqualTo(node.client.ip());
        assertThat(key.destination()).isEqualTo(node.server.ip());
        assertThat(key.destinationPort()).isEqualTo(port);
        assertThat(key.proto()).isEqualTo(proto);
        assertThat(key.direction()).isEqualTo(direction);
    }
}
