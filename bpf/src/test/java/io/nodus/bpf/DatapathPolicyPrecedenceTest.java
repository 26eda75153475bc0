package io.nodus.bpf;

import static io.nodus.bpf.testing.NodeFixture.CLIENT_IDENTITY;
import static io.nodus.bpf.testing.NodeFixture.SERVER_ENDPOINT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Predicate;

import io.nodus.bpf.events.DatapathEvent;
import io.nodus.bpf.events.EventType;
import io.nodus.bpf.events.PolicyMatch;
import io.nodus.bpf.maps.PolicyKey;
import io.nodus.bpf.maps.PolicyMap;
import io.nodus.bpf.maps.PolicyMapContents;
import io.nodus.bpf.maps.PolicyMapRule;
import io.nodus.bpf.maps.PolicyValue;
import io.nodus.bpf.testing.NodeFixture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cilium's precedence in the kernel, on real TCP between two endpoints: port ranges as trie
 * prefixes, the most specific entry of an identity, "any identity" entries, deny beating allow
 * across both lookups, and the policy-verdict events naming the entry that decided.
 */
class DatapathPolicyPrecedenceTest {
    private static final Duration EVENT_WAIT = Duration.ofSeconds(5);
    private static final TrafficDirection IN = TrafficDirection.INGRESS;
    private static final int TCP = PolicyKey.TCP;

    private NodeFixture node;
    private PolicyMap policy;

    @BeforeEach
    void startNode() throws Exception {
        node = NodeFixture.start();
        policy = node.datapath.policies().openOrCreate(SERVER_ENDPOINT);
        node.setEndpoint(node.server, true, false);
    }

    @AfterEach
    void stopNode() {
        if (policy != null) {
            policy.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aPortRangeIsAFewPrefixesAndItsVerdictNamesTheRange() throws Exception {
        SortedMap<PolicyKey, PolicyValue> contents = rules(new PolicyMapRule(CLIENT_IDENTITY, IN, TCP, 8000, 8100, false));
        assertThat(contents).hasSize(4); // 8000/10 8064/11 8096/14 8100/16: 8080 is in 8064-8095

        assertThat(node.tcp(8080)).isTrue();
        assertThat(node.tcp(80)).isFalse();
        DatapathEvent verdict = await(e -> e.type() == EventType.POLICY_VERDICT && e.destinationPort() == 8080);
        assertThat(verdict.match()).isEqualTo(new PolicyMatch(PolicyMatch.Type.L3_L4, CLIENT_IDENTITY, 8000, 8100, 59));
        assertThat(verdict.ctState()).isZero();
        assertThat(await(e -> e.type() == EventType.DROP && e.destinationPort() == 80).match().matched()).isFalse();
    }

    @Test
    void anExplicitDenyBeatsAMoreSpecificAllowOfTheSameIdentity() throws Exception {
        rules(new PolicyMapRule(CLIENT_IDENTITY, IN, TCP, 80, 80, false),
                new PolicyMapRule(CLIENT_IDENTITY, IN, 0, 0, 0, true));

        assertThat(node.tcp(80)).isFalse();
        DatapathEvent drop = await(e -> e.type() == EventType.DROP && e.destinationPort() == 80);
        assertThat(drop.reason()).isEqualTo(DropReason.POLICY_DENIED_BY_DENYLIST);
        assertThat(drop.match().type()).isEqualTo(PolicyMatch.Type.L3_ONLY);
        assertThat(drop.match().identity()).isEqualTo(CLIENT_IDENTITY);
    }

    @Test
    void aSpecificDenyCarvesAPortOutOfAnAllowForEveryone() throws Exception {
        rules(new PolicyMapRule(0, IN, 0, 0, 0, false), new PolicyMapRule(CLIENT_IDENTITY, IN, TCP, 8080, 8080, true));

        assertThat(node.tcp(80)).isTrue();
        assertThat(await(e -> e.type() == EventType.POLICY_VERDICT && e.destinationPort() == 80).match().type())
                .isEqualTo(PolicyMatch.Type.ALL);
        assertThat(node.tcp(8080)).isFalse();
        DatapathEvent drop = await(e -> e.type() == EventType.DROP && e.destinationPort() == 8080);
        assertThat(drop.reason()).isEqualTo(DropReason.POLICY_DENIED_BY_DENYLIST);
        assertThat(drop.match()).isEqualTo(new PolicyMatch(PolicyMatch.Type.L3_L4, CLIENT_IDENTITY, 8080, 8080, 64));
        assertThat(node.datapath.metrics().get(DropReason.POLICY_DENIED_BY_DENYLIST, IN).packets()).isPositive();
    }

    @Test
    void aDenyForAnyIdentityBeatsAnAllowForThisIdentity() throws Exception {
        rules(new PolicyMapRule(CLIENT_IDENTITY, IN, 0, 0, 0, false), new PolicyMapRule(0, IN, TCP, 80, 80, true));

        assertThat(node.tcp(80)).isFalse();
        assertThat(await(e -> e.type() == EventType.DROP && e.destinationPort() == 80).match().type())
                .isEqualTo(PolicyMatch.Type.L4_ONLY);
        assertThat(node.tcp(8080)).isTrue();
        assertThat(await(e -> e.type() == EventType.POLICY_VERDICT && e.destinationPort() == 8080).match().type())
                .isEqualTo(PolicyMatch.Type.L3_ONLY);
    }

    @Test
    void theMoreSpecificAllowIsReportedAndTheIdentityWinsATie() throws Exception {
        rules(new PolicyMapRule(0, IN, TCP, 80, 80, false), new PolicyMapRule(CLIENT_IDENTITY, IN, TCP, 0, 0, false),
                new PolicyMapRule(0, IN, TCP, 8080, 8080, false), new PolicyMapRule(CLIENT_IDENTITY, IN, TCP, 8080, 8080, false));

        assertThat(node.tcp(80)).isTrue();
        assertThat(await(e -> e.type() == EventType.POLICY_VERDICT && e.destinationPort() == 80).match())
                .isEqualTo(new PolicyMatch(PolicyMatch.Type.L4_ONLY, 0, 80, 80, 64));
        assertThat(node.tcp(8080)).isTrue();
        assertThat(await(e -> e.type() == EventType.POLICY_VERDICT && e.destinationPort() == 8080).match().type())
                .isEqualTo(PolicyMatch.Type.L3_L4);
    }

    @Test
    void verdictEventsCanBeSwitchedOffDatapathWide() throws Exception {
        rules(new PolicyMapRule(CLIENT_IDENTITY, IN, TCP, 80, 80, false));
        node.datapath.config().set(node.datapath.config().get().withPolicyVerdicts(false));
        assertThat(node.tcp(80)).isTrue();
        node.datapath.config().set(node.datapath.config().get().withPolicyVerdicts(true));
        assertThat(node.tcp(80)).isTrue();
        await(e -> e.type() == EventType.POLICY_VERDICT);
        assertThat(node.events.events().stream().filter(e -> e.type() == EventType.POLICY_VERDICT)).hasSize(1);
    }

    /** Writes exactly the contents of {@code rules} into the server's policy map. */
    private SortedMap<PolicyKey, PolicyValue> rules(PolicyMapRule... rules) {
        SortedMap<PolicyKey, PolicyValue> wanted = PolicyMapContents.of(List.of(rules));
        List<PolicyKey> stale = new ArrayList<>(policy.entries().keySet());
        stale.removeAll(wanted.keySet());
        policy.apply(Map.copyOf(wanted), stale);
        assertThat(policy.entries()).isEqualTo(wanted);
        return wanted;
    }

    private DatapathEvent await(Predicate<DatapathEvent> matching) {
        return node.events.await(EVENT_WAIT, matching)
                .orElseThrow(() -> new AssertionError("no matching event; got " + node.events.events()));
    }
}
