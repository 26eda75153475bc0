package io.nodus.bpf.events;

/**
 * Which policy entry decided a verdict, as Cilium reports it: the match type (L3-only, L3-L4,
 * L4-only, all, L3-proto, proto-only, or none), the entry's identity (0 = any), the port range of
 * the rule it came from (0-0 = any port) and the entry's prefix length in the policy trie.
 */
public record PolicyMatch(Type type, int identity, int port, int endPort, int prefixLength) {
    public static final PolicyMatch NONE = new PolicyMatch(Type.NONE, 0, 0, 0, 0);

    /** Cilium's policy match types, in their numbering. */
    public enum Type {
        NONE("none"),
        L3_ONLY("L3-Only"),
        L3_L4("L3-L4"),
        L4_ONLY("L4-Only"),
        ALL("all"),
        L3_PROTO("L3-Proto"),
        PROTO_ONLY("Proto-Only");

        private final String text;

        Type(String text) {
            this.text = text;
        }

        /** Cilium's text for the match type. */
        public String text() {
            return text;
        }

        public static Type of(int code) {
            return code >= 0 && code < values().length ? values()[code] : NONE;
        }
    }

    public boolean matched() {
        return type != Type.NONE;
    }
}
