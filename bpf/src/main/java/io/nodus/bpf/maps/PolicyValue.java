package io.nodus.bpf.maps;

/**
 * What a matching policy entry says: allow, or deny (which beats any allow), and an L7 proxy port
 * in host order (0 = none; reserved, the datapath does not redirect yet).
 */
public record PolicyValue(boolean deny, int proxyPort) {
    public static final PolicyValue ALLOW = new PolicyValue(false, 0);
    public static final PolicyValue DENY = new PolicyValue(true, 0);

    /** Bit 0 of {@code policy_value.flags}. */
    static final int F_DENY = 1;

    public PolicyValue {
        if (proxyPort < 0 || proxyPort > 0xffff) {
            throw new IllegalArgumentException("proxyPort must be 0..65535, was " + proxyPort);
        }
        if (deny && proxyPort != 0) {
            throw new IllegalArgumentException("a deny entry cannot redirect to a proxy");
        }
    }
}
