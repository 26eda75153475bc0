package io.nodus.bpf.maps;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Turns {@link PolicyMapRule}s into the exact contents of an endpoint's policy trie, in the form
 * the datapath's lookup relies on:
 *
 * <ul>
 *   <li>a port range becomes the fewest port prefixes that cover it exactly (1-1024 is 11 keys,
 *       not 1024), so a range costs a handful of entries and one lookup;</li>
 *   <li>a port without a protocol applies to TCP, UDP and SCTP, as in Cilium (the trie orders the
 *       protocol before the port, so "any protocol, port 80" has no single key);</li>
 *   <li>deny-consistency: an allow key covered by a deny key of the same identity and direction is
 *       left out (the trie would return the longer allow and hide the deny), and a deny replaces an
 *       allow on the same key. With that, deny beats allow whatever the specificity, because the
 *       datapath drops when either of its two lookups (the remote identity, any identity) finds a
 *       deny.</li>
 * </ul>
 * Pure and deterministic: the same rules give the same map, whatever their order.
 */
public final class PolicyMapContents {
    /** The protocols a port applies to when the rule names none. */
    public static final List<Integer> PORT_PROTOCOLS = List.of(PolicyKey.TCP, PolicyKey.UDP, PolicyKey.SCTP);

    private static final Comparator<PolicyMapRule> RULE_ORDER = Comparator.comparing(PolicyMapRule::direction)
            .thenComparingInt(PolicyMapRule::identity).thenComparingInt(PolicyMapRule::proto)
            .thenComparingInt(PolicyMapRule::port).thenComparingInt(PolicyMapRule::endPort)
            .thenComparing(PolicyMapRule::deny);

    private PolicyMapContents() {
    }

    /** The trie contents for {@code rules}, sorted by key. */
    public static SortedMap<PolicyKey, PolicyValue> of(Collection<PolicyMapRule> rules) {
        List<PolicyMapRule> ordered = new ArrayList<>(rules);
        ordered.sort(RULE_ORDER);
        TreeMap<PolicyKey, PolicyValue> out = new TreeMap<>();
        Set<PolicyKey> denies = new HashSet<>();
        for (PolicyMapRule r : ordered) {
            List<Integer> protocols = r.proto() == PolicyKey.ANY_PROTO && r.port() != 0 ? PORT_PROTOCOLS
                    : List.of(r.proto());
            PolicyValue value = r.deny() ? PolicyValue.deny(r.port(), r.endPort())
                    : PolicyValue.allow(r.port(), r.endPort());
            for (int proto : protocols) {
                for (PolicyKey key : keys(r, proto)) {
                    PolicyValue existing = out.get(key);
                    // The first rule (in rule order) names the entry; a deny always wins the key.
                    if (existing == null || (value.deny() && !existing.deny())) {
                        out.put(key, value);
                    }
                    if (value.deny()) {
                        denies.add(key);
                    }
                }
            }
        }
        if (!denies.isEmpty()) {
            out.entrySet().removeIf(e -> !e.getValue().deny() && coveredByDeny(e.getKey(), denies));
        }
        return Collections.unmodifiableSortedMap(out);
    }

    private static List<PolicyKey> keys(PolicyMapRule r, int proto) {
        if (proto == PolicyKey.ANY_PROTO || r.port() == 0) {
            return List.of(new PolicyKey(r.identity(), r.direction(), proto, 0, 0));
        }
        List<PolicyKey> keys = new ArrayList<>();
        for (int[] block : cover(r.port(), r.endPort())) {
            keys.add(new PolicyKey(r.identity(), r.direction(), proto, block[0], block[1]));
        }
        return keys;
    }

    /**
     * The fewest aligned port blocks that cover {@code [first, last]} exactly, as {port, prefix
     * bits} pairs in ascending order: each block is the largest power-of-two block that starts at
     * the next uncovered port and does not pass {@code last}.
     */
    public static List<int[]> cover(int first, int last) {
        if (first < 1 || last < first || last > 0xffff) {
            throw new IllegalArgumentException("port range " + first + "-" + last + " is invalid");
        }
        List<int[]> blocks = new ArrayList<>();
        int port = first;
        while (port <= last) {
            int size = Integer.lowestOneBit(port);
            while (port + size - 1 > last) {
                size >>= 1;
            }
            blocks.add(new int[] {port, 16 - Integer.numberOfTrailingZeros(size)});
            port += size;
        }
        return blocks;
    }

    private static boolean coveredByDeny(PolicyKey key, Set<PolicyKey> denies) {
        for (PolicyKey k = key.parent(); k != null; k = k.parent()) {
            if (denies.contains(k)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a flow (identity, direction, proto, port) is allowed by {@code contents}, as the datapath decides. */
    public static boolean allows(Map<PolicyKey, PolicyValue> contents, int identity,
            io.nodus.bpf.TrafficDirection direction, int proto, int port) {
        PolicyValue byId = longestMatch(contents, identity, direction, proto, port);
        PolicyValue byAny = longestMatch(contents, PolicyKey.ANY_IDENTITY, direction, proto, port);
        if ((byId != null && byId.deny()) || (byAny != null && byAny.deny())) {
            return false;
        }
        return byId != null || byAny != null;
    }

    private static PolicyValue longestMatch(Map<PolicyKey, PolicyValue> contents, int identity,
            io.nodus.bpf.TrafficDirection direction, int proto, int port) {
        for (PolicyKey k = PolicyKey.of(identity, direction, proto, port); k != null; k = k.parent()) {
            PolicyValue v = contents.get(k);
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
