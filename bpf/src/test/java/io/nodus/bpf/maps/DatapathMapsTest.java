package io.nodus.bpf.maps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.nodus.bpf.Datapath;
import io.nodus.bpf.DropReason;
import io.nodus.bpf.TrafficDirection;
import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;
import io.nodus.bpf.testing.BpfFs;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The typed maps over the real maps of a loaded datapath, pinned under a test pin root. */
class DatapathMapsTest {
    private static final Ipv4Prefix POD = Ipv4Prefix.parse("10.77.0.10/32");

    private Path pinRoot;
    private Datapath datapath;

    @BeforeEach
    void load() {
        pinRoot = BpfFs.newPinRoot();
        datapath = Datapath.open(pinRoot);
    }

    @AfterEach
    void cleanUp() {
        if (datapath != null) {
            datapath.close();
        }
        BpfFs.deleteRecursively(pinRoot);
    }

    @Test
    void loadPinsEveryMapByName() {
        for (String name : List.of("nodus_ipcache", "nodus_endpoints", "nodus_policy", "nodus_ct", "nodus_events",
                "nodus_metrics")) {
            assertThat(pinRoot.resolve(name)).exists();
        }
        assertThat(datapath.object().programNames()).containsExactlyInAnyOrder(Datapath.FROM_ENDPOINT,
                Datapath.TO_ENDPOINT);
    }

    @Test
    void ipcacheResolvesTheLongestPrefix() {
        IpCacheMap ipcache = datapath.ipcache();
        ipcache.put(Ipv4Prefix.parse("10.77.0.0/16"), IpCacheEntry.local(300));
        ipcache.put(POD, new IpCacheEntry(301, Ipv4.parse("192.0.2.1"), 0));

        assertThat(ipcache.resolve(Ipv4.parse("10.77.0.10"))).hasValue(new IpCacheEntry(301, Ipv4.parse("192.0.2.1"), 0));
        assertThat(ipcache.resolve(Ipv4.parse("10.77.9.9"))).hasValue(IpCacheEntry.local(300));
        assertThat(ipcache.resolve(Ipv4.parse("10.78.0.1"))).isEmpty();
        assertThat(ipcache.entries()).containsOnlyKeys(Ipv4Prefix.parse("10.77.0.0/16"), POD);

        assertThat(ipcache.delete(POD)).isTrue();
        assertThat(ipcache.resolve(Ipv4.parse("10.77.0.10"))).hasValue(IpCacheEntry.local(300));
    }

    @Test
    void endpointsRoundTripWithEnforcementFlags() {
        EndpointInfo info = new EndpointInfo(12, 4242, Ipv4.parse("10.77.0.10"), true, false);
        datapath.endpoints().put(7, info);
        assertThat(datapath.endpoints().lookup(7)).hasValue(info);
        assertThat(datapath.endpoints().entries()).isEqualTo(Map.of(7, info));
        assertThat(datapath.endpoints().delete(7)).isTrue();
        assertThat(datapath.endpoints().lookup(7)).isEmpty();
    }

    @Test
    void policyMapAppliesOnlyTheDifference() {
        PolicyMap policy = datapath.policies().create(12);
        PolicyKey http = PolicyKey.ingress(4242, 80, PolicyKey.TCP);
        PolicyKey dns = PolicyKey.egress(PolicyKey.ANY_IDENTITY, 53, PolicyKey.UDP);
        PolicyKey denyAll = PolicyKey.ingress(666, PolicyKey.ANY_PORT, PolicyKey.ANY_PROTO);

        assertThat(policy.apply(Map.of(http, PolicyValue.ALLOW, dns, PolicyValue.ALLOW, denyAll, PolicyValue.DENY),
                List.of())).isEqualTo(3);
        assertThat(policy.entries()).isEqualTo(Map.of(http, PolicyValue.ALLOW, dns, PolicyValue.ALLOW, denyAll,
                PolicyValue.DENY));

        // Replace one allow by a proxy redirect, remove another, delete one that is not there.
        PolicyValue proxied = new PolicyValue(false, 15001);
        int written = policy.apply(Map.of(http, proxied), List.of(dns, PolicyKey.ingress(1, 1, 1)));
        assertThat(written).isEqualTo(2);
        assertThat(policy.entries()).isEqualTo(Map.of(http, proxied, denyAll, PolicyValue.DENY));
        assertThat(policy.lookup(http)).hasValue(proxied);
    }

    @Test
    void policyMapsSurviveClosingAndReopeningFromPins() {
        PolicyKey http = PolicyKey.ingress(4242, 80, PolicyKey.TCP);
        int innerId;
        try (PolicyMap policy = datapath.policies().create(12)) {
            policy.apply(Map.of(http, PolicyValue.ALLOW), List.of());
            innerId = policy.map().id();
        }
        assertThat(datapath.policies().pinPath(12)).exists();
        datapath.close();

        // An agent restart: load again over the same pins.
        datapath = Datapath.open(pinRoot);
        assertThat(datapath.policies().endpointIds()).containsExactly(12);
        assertThat(datapath.policies().installedMapId(12)).hasValue(innerId);
        try (PolicyMap reopened = datapath.policies().open(12).orElseThrow()) {
            assertThat(reopened.map().id()).isEqualTo(innerId);
            assertThat(reopened.entries()).isEqualTo(Map.of(http, PolicyValue.ALLOW));
        }
    }

    @Test
    void openReinstallsAPinnedPolicyMapMissingFromTheOuterMap() {
        int innerId;
        try (PolicyMap policy = datapath.policies().create(5)) {
            innerId = policy.map().id();
        }
        // As if the agent died between pinning and installing.
        datapath.policies().map().delete(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(5).array());
        assertThat(datapath.policies().installedMapId(5)).isEmpty();

        try (PolicyMap reopened = datapath.policies().openOrCreate(5)) {
            assertThat(reopened.map().id()).isEqualTo(innerId);
        }
        assertThat(datapath.policies().installedMapId(5)).hasValue(innerId);
    }

    @Test
    void removingAPolicyMapUninstallsAndUnpinsIt() {
        datapath.policies().create(9).close();
        assertThatThrownBy(() -> datapath.policies().create(9)).hasMessageContaining("bpf_obj_pin");
        assertThat(datapath.policies().remove(9)).isTrue();
        assertThat(datapath.policies().pinPath(9)).doesNotExist();
        assertThat(datapath.policies().endpointIds()).isEmpty();
        assertThat(datapath.policies().open(9)).isEmpty();
        assertThat(datapath.policies().remove(9)).isFalse();
    }

    @Test
    void ctEntriesDecodeAndExpiredOnesAreRemoved() {
        CtMap ct = datapath.conntrack();
        long now = CtMap.kernelNowNs();
        CtKey live = new CtKey(Ipv4.parse("10.77.0.20"), Ipv4.parse("10.77.0.10"), 40000, 80, PolicyKey.TCP,
                TrafficDirection.INGRESS);
        CtKey stale = new CtKey(Ipv4.parse("10.77.0.20"), Ipv4.parse("10.77.0.10"), 40001, 53, PolicyKey.UDP,
                TrafficDirection.EGRESS);
        ct.map().update(CtMap.encodeKey(live), CtMap.encodeValue(new CtValue(now + 60_000_000_000L, 3, 180, true, false)));
        ct.map().update(CtMap.encodeKey(stale), CtMap.encodeValue(new CtValue(now - 1, 1, 60, false, false)));

        assertThat(ct.entries()).containsOnlyKeys(live, stale);
        assertThat(ct.lookup(live)).hasValueSatisfying(v -> {
            assertThat(v.packets()).isEqualTo(3);
            assertThat(v.finSeen()).isTrue();
            assertThat(v.expired(now)).isFalse();
        });
        assertThat(ct.deleteExpired(CtMap.kernelNowNs())).isEqualTo(1);
        assertThat(ct.entries()).containsOnlyKeys(live);
    }

    @Test
    void metricsSumPerCpuCounters() {
        BpfMap raw = datapath.metrics().map();
        assertThat(raw.type()).isEqualTo(MapType.PERCPU_HASH);
        int cpus = raw.possibleCpus();
        ByteBuffer perCpu = ByteBuffer.allocate(raw.valueBufferSize()).order(ByteOrder.nativeOrder());
        for (int cpu = 0; cpu < cpus; cpu++) {
            perCpu.putLong(cpu * 16, cpu + 1).putLong(cpu * 16 + 8, 100L * (cpu + 1));
        }
        MetricsKey denied = MetricsKey.of(DropReason.POLICY_DENIED, TrafficDirection.INGRESS);
        raw.update(MetricsMap.encodeKey(denied), perCpu.array());

        long packets = (long) cpus * (cpus + 1) / 2;
        assertThat(datapath.metrics().get(DropReason.POLICY_DENIED, TrafficDirection.INGRESS))
                .isEqualTo(new Counters(packets, 100 * packets));
        assertThat(datapath.metrics().totals()).containsEntry(denied, new Counters(packets, 100 * packets));
        assertThat(datapath.metrics().get(DropReason.FORWARDED, TrafficDirection.EGRESS)).isEqualTo(Counters.ZERO);
    }

    @Test
    void typedMapRejectsAMapOfAnotherShape() throws Exception {
        Files.createDirectories(pinRoot);
        try (BpfMap wrong = BpfMap.create(MapType.HASH, 4, 4, 4, "t_wrong")) {
            assertThatThrownBy(() -> new EndpointMap(wrong)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("layout mismatch");
        }
    }
}
