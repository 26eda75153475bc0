package io.nodus.bpf.maps;

/**
 * What a matching policy entry says: allow or deny (deny beats any allow), an L7 proxy port in
 * host order (0 = none; reserved, the datapath does not redirect yet), and the port range of the
 * policy rule the entry came from (reported in verdict events; a range is stored as several keys).
 */
public record PolicyValue(boolean deny, int proxyPort, int rulePort, int ruleEndPort) {
    public static final PolicyValue ALLOW = new PolicyValue(false, 0, 0, 0);
    public static final PolicyValue DENY = new PolicyValue(true, 0, 0, 0);

    /** Bit 0 of {@code policy_value.flags}. */
    static final int F_DENY = 1;

    public PolicyValue {
        if (proxyPort < 0 || proxyPort > 0xffff) {
            throw new IllegalArgumentException("proxyPort must be 0..65535, was " + proxyPort);
        }
        if (deny && proxyPort != 0) {
            throw new IllegalArgumentException("a deny entry cannot redirect to a proxy");
        }
        if (rulePort < 0 || ruleEndPort < rulePort || ruleEndPort > 0xffff) {
            throw new IllegalArgumentException("rule port range " + rulePort + "-" + ruleEndPort + " is invalid");
        }
    }

    public static PolicyValue allow(int rulePort, int ruleEndPort) {
        return new PolicyValue(false, 0, rulePort, ruleEndPort);
    }

    public static PolicyValue deny(int rulePort, int ruleEndPort) {
        return new PolicyValue(true, 0, rulePort, ruleEndPort);
    }
}
