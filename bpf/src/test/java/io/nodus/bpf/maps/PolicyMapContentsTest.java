package io.nodus.bpf.maps;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.nodus.bpf.TrafficDirection;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import org.junit.jupiter.api.Test;

/**
 * Policy rules to trie contents: ranges as few prefixes, deny-consistency, and — checked against
 * the plain meaning of the rules — that the datapath's two-lookup verdict is exactly "any matching
 * deny drops, else any matching allow passes".
 */
class PolicyMapContentsTest {
    private static final TrafficDirection IN = TrafficDirection.INGRESS;

    @Test
    void aRangeIsCoveredByTheFewestAlignedBlocks() {
        assertThat(blocks(80, 80)).containsExactly("80/16");
        assertThat(blocks(1, 1024)).containsExactly("1/16", "2/15", "4/14", "8/13", "16/12", "32/11", "64/10",
                "128/9", "256/8", "512/7", "1024/16");
        assertThat(blocks(8000, 8100)).containsExactly("8000/10", "8064/11", "8096/14", "8100/16");
        assertThat(blocks(1, 65535)).hasSize(16);
        assertThat(blocks(32768, 65535)).containsExactly("32768/1");
    }

    @Test
    void aPortWithoutProtocolMeansTcpUdpAndSctp() {
        Map<PolicyKey, PolicyValue> m = PolicyMapContents.of(List.of(new PolicyMapRule(5, IN, 0, 53, 53, false)));
        assertThat(m).containsOnlyKeys(PolicyKey.ingress(5, 53, PolicyKey.TCP), PolicyKey.ingress(5, 53, PolicyKey.UDP),
                PolicyKey.ingress(5, 53, PolicyKey.SCTP));
    }

    @Test
    void anAllowInsideADenyOfTheSameIdentityIsLeftOut() {
        Map<PolicyKey, PolicyValue> m = PolicyMapContents.of(List.of(
                new PolicyMapRule(5, IN, PolicyKey.TCP, 80, 80, false),
                new PolicyMapRule(5, IN, PolicyKey.TCP, 0, 0, true),
                new PolicyMapRule(6, IN, PolicyKey.TCP, 80, 80, false)));
        assertThat(m).containsOnlyKeys(PolicyKey.ingress(5, 0, PolicyKey.TCP), PolicyKey.ingress(6, 80, PolicyKey.TCP));
        assertThat(m.get(PolicyKey.ingress(5, 0, PolicyKey.TCP)).deny()).isTrue();
    }

    @Test
    void aDenyInsideAnAllowStaysAndWinsForItsPorts() {
        Map<PolicyKey, PolicyValue> m = PolicyMapContents.of(List.of(
                new PolicyMapRule(5, IN, 0, 0, 0, false),
                new PolicyMapRule(0, IN, PolicyKey.TCP, 8000, 8100, true)));
        assertThat(PolicyMapContents.allows(m, 5, IN, PolicyKey.TCP, 443)).isTrue();
        assertThat(PolicyMapContents.allows(m, 5, IN, PolicyKey.TCP, 8050)).isFalse();
        assertThat(PolicyMapContents.allows(m, 5, IN, PolicyKey.UDP, 8050)).isTrue();
        assertThat(PolicyMapContents.allows(m, 7, IN, PolicyKey.TCP, 443)).isFalse();
    }

    @Property(tries = 300)
    void theTwoLookupVerdictIsDenyBeatsAllow(@ForAll("rules") List<PolicyMapRule> rules,
            @ForAll @IntRange(min = 0, max = 3) int identity, @ForAll("protocols") int proto,
            @ForAll @IntRange(min = 1, max = 300) int port) {
        Map<PolicyKey, PolicyValue> contents = PolicyMapContents.of(rules);
        boolean denied = rules.stream().anyMatch(r -> r.deny() && matches(r, identity, proto, port));
        boolean allowed = rules.stream().anyMatch(r -> !r.deny() && matches(r, identity, proto, port));
        assertThat(PolicyMapContents.allows(contents, identity, IN, proto, port)).isEqualTo(!denied && allowed);
    }

    @Property(tries = 100)
    void contentsDoNotDependOnRuleOrder(@ForAll("rules") List<PolicyMapRule> rules) {
        List<PolicyMapRule> reversed = new ArrayList<>(rules);
        java.util.Collections.reverse(reversed);
        assertThat(PolicyMapContents.of(reversed)).isEqualTo(PolicyMapContents.of(rules));
    }

    private static boolean matches(PolicyMapRule r, int identity, int proto, int port) {
        if (r.identity() != 0 && r.identity() != identity) {
            return false;
        }
        if (r.proto() == 0) {
            return r.port() == 0 || (proto != PolicyKey.ICMP && port >= r.port() && port <= r.endPort());
        }
        return r.proto() == proto && (r.port() == 0 || (port >= r.port() && port <= r.endPort()));
    }

    @Provide
    Arbitrary<Integer> protocols() {
        return Arbitraries.of(PolicyKey.TCP, PolicyKey.UDP, PolicyKey.ICMP);
    }

    @Provide
    Arbitrary<List<PolicyMapRule>> rules() {
        Arbitrary<PolicyMapRule> rule = Combinators.combine(
                Arbitraries.integers().between(0, 3),
                Arbitraries.of(0, PolicyKey.TCP, PolicyKey.UDP, PolicyKey.ICMP),
                Arbitraries.integers().between(0, 300),
                Arbitraries.integers().between(0, 40),
                Arbitraries.of(true, false, false))
                .as((id, proto, port, width, deny) -> new PolicyMapRule(id, IN, proto, port,
                        port == 0 ? 0 : Math.min(65535, port + width), deny));
        return rule.list().ofMaxSize(8);
    }

    private static List<String> blocks(int first, int last) {
        return PolicyMapContents.cover(first, last).stream().map(b -> b[0] + "/" + b[1]).toList();
    }
}
