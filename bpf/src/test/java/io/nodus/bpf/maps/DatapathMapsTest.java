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
                "nodus_metrics", "nodus_frags", "nodus_config", "nodus_log_pos", "nodus_layout")) {
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
        PolicyValue proxied = new PolicyValue(false, 15001, 80, 80);
        int written = policy.apply(Map.of(http, proxied), List.of(dns, PolicyKey.ingress(1, 1, 1)));
        assertThat(written).isEqualTo(2);
        assertThat(policy.entries()).isEqualTo(Map.of(http, proxied, denyAll, PolicyValue.DENY));
        assertThat(policy.lookup(http)).hasValue(proxied);
    }

    @Test
    void policyLookupIsExactWhileTheTrieHoldsShorterPrefixes() {
        PolicyMap policy = datapath.policies().create(13);
        PolicyKey anyTcp = PolicyKey.ingress(5, 0, PolicyKey.TCP);
        policy.apply(Map.of(anyTcp, PolicyValue.ALLOW), List.of());
        assertThat(policy.lookup(anyTcp)).hasValue(PolicyValue.ALLOW);
        assertThat(policy.lookup(PolicyKey.ingress(5, 80, PolicyKey.TCP))).as("only a shorter prefix is stored").isEmpty();
    }

    @Test
    void aFullPolicyMapRefusesTheNextEntryAndEachEndpointHasItsOwnCapacity() {
        PolicyMap small = datapath.policies().create(20, 4);
        PolicyMap large = datapath.policies().create(21, 64);
        assertThat(small.capacity()).isEqualTo(4);
        assertThat(large.capacity()).isEqualTo(64);
        Map<PolicyKey, PolicyValue> four = new java.util.TreeMap<>();
        for (int port = 1; port <= 4; port++) {
            four.put(PolicyKey.ingress(5, port, PolicyKey.TCP), PolicyValue.ALLOW);
        }
        small.apply(four, List.of());
        assertThatThrownBy(() -> small.apply(Map.of(PolicyKey.ingress(5, 9, PolicyKey.TCP), PolicyValue.ALLOW),
                List.of())).isInstanceOf(io.nodus.bpf.libbpf.BpfException.class);
        assertThat(small.entries()).hasSize(4);
    }

    @Test
    void replacingAPolicyMapSwapsInAFilledMapOfAnotherCapacity() {
        PolicyMap old = datapath.policies().create(30, 2);
        PolicyKey a = PolicyKey.ingress(5, 80, PolicyKey.TCP);
        old.apply(Map.of(a, PolicyValue.ALLOW), List.of());
        Map<PolicyKey, PolicyValue> wanted = Map.of(a, PolicyValue.ALLOW, PolicyKey.ingress(5, 81, PolicyKey.TCP),
                PolicyValue.ALLOW, PolicyKey.ingress(5, 82, PolicyKey.TCP), PolicyValue.ALLOW);
        try (PolicyMap fresh = datapath.policies().replace(30, 8, wanted)) {
            assertThat(fresh.capacity()).isEqualTo(8);
            assertThat(datapath.policies().installedMapId(30)).hasValue(fresh.map().id());
            assertThat(fresh.entries()).isEqualTo(wanted);
        }
        old.close();
        try (PolicyMap reopened = datapath.policies().open(30).orElseThrow()) {
            assertThat(reopened.capacity()).isEqualTo(8);
            assertThat(reopened.entries()).isEqualTo(wanted);
        }
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
        ct.map().update(CtMap.encodeKey(live),
                CtMap.encodeValue(new CtValue(now + 60_000_000_000L, 3, 180, true, false, true)));
        ct.map().update(CtMap.encodeKey(stale), CtMap.encodeValue(new CtValue(now - 1, 1, 60, false, false)));

        assertThat(ct.entries()).containsOnlyKeys(live, stale);
        assertThat(ct.lookup(live)).hasValueSatisfying(v -> {
            assertThat(v.packets()).isEqualTo(3);
            assertThat(v.finSeen()).isTrue();
            assertThat(v.seenReply()).isTrue();
            assertThat(v.expired(now)).isFalse();
        });
        assertThat(ct.deleteExpired(CtMap.kernelNowNs())).isEqualTo(new CtMap.GcResult(2, 1));
        assertThat(ct.entries()).containsOnlyKeys(live);
    }

    @Test
    void metricsSumPerCpuCounters() {
        BpfMap raw = datapath.metrics().map();
        assertThat(raw.type()).isEqualTo(MapType.PERCPU_ARRAY);
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
    void configRoundTripsAndAFreshMapMeansTheDefaults() {
        assertThat(datapath.config().get()).isEqualTo(DatapathConfig.DEFAULTS);
        DatapathConfig traced = DatapathConfig.DEFAULTS.withTraceAll(true).withPolicyVerdicts(false)
                .withCtLifetimes(java.time.Duration.ofSeconds(3));
        datapath.config().set(traced);
        assertThat(datapath.config().get()).isEqualTo(traced);
    }

    @Test
    void theLogPositionIsEmptyOnAFreshNodeAndOutlivesTheAgentWithTheMaps() {
        assertThat(datapath.logPosition().read()).isEmpty();
        LogPosition applied = new LogPosition("3f2b6c1e-9d7a-3c55-8a41-0b9e2d7f6a10", 5000, 1_765_000_000_123L);
        datapath.logPosition().write(applied);
        datapath.close();

        // An agent restart over the same pins finds it; unpinning the node's maps forgets it.
        datapath = Datapath.open(pinRoot);
        assertThat(datapath.logPosition().read()).hasValue(applied);
        datapath.logPosition().clear();
        assertThat(datapath.logPosition().read()).isEmpty();
    }

    @Test
    void aLogPositionOfAnotherVersionIsRefusedNotGuessed() {
        byte[] raw = LogPositionMap.encode(new LogPosition("u", 7, 1));
        ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()).putInt(16, 2);
        datapath.logPosition().map().update(new byte[4], raw);
        assertThatThrownBy(() -> datapath.logPosition().read()).hasMessageContaining("version 2");
    }

    @Test
    void aNewCtSizeReplacesOnlyTheCtMapAndKeepsTheOthers() {
        datapath.ipcache().put(POD, IpCacheEntry.local(300));
        int ctId = datapath.conntrack().map().id();
        datapath.close();

        datapath = Datapath.open(pinRoot, new io.nodus.bpf.DatapathSizes(128, 16384));
        assertThat(datapath.replacedMaps()).containsExactly("nodus_ct");
        assertThat(datapath.conntrack().capacity()).isEqualTo(128);
        assertThat(datapath.conntrack().map().id()).isNotEqualTo(ctId);
        assertThat(datapath.ipcache().resolve(Ipv4.parse("10.77.0.10"))).hasValue(IpCacheEntry.local(300));
        datapath.close();

        datapath = Datapath.open(pinRoot, new io.nodus.bpf.DatapathSizes(128, 16384));
        assertThat(datapath.replacedMaps()).isEmpty();
    }

    @Test
    void aPolicyMapOfUnknownLayoutIsReplacedWithItsEndpointMaps() throws Exception {
        datapath.policies().create(40).close();
        datapath.close();
        // As if nodus_policy had been pinned by a version with another inner layout.
        try (BpfMap layouts = BpfMap.openPinned(pinRoot.resolve(io.nodus.bpf.libbpf.PinnedLayouts.MAP_NAME))) {
            byte[] key = new byte[16];
            byte[] name = "nodus_policy".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            System.arraycopy(name, 0, key, 0, name.length);
            layouts.update(key, new byte[32]);
        }
        datapath = Datapath.open(pinRoot);
        assertThat(datapath.replacedMaps()).containsExactly("nodus_policy");
        assertThat(datapath.policies().pinPath(40)).doesNotExist();
        assertThat(datapath.policies().endpointIds()).isEmpty();
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
