package io.nodus.bpf;

/**
 * Capacities chosen when the datapath is loaded: entries of the connection-tracking table and of
 * each endpoint's policy map. Changing the CT size replaces the pinned CT map (its definition
 * changed); changing the policy capacity makes the agent rebuild each endpoint's map.
 *
 * @param ctEntries connections the CT table holds (both directions of a local flow take one each)
 * @param policyEntries entries of each endpoint's policy map
 */
public record DatapathSizes(int ctEntries, int policyEntries) {
    /** The defaults of nodus_maps.h. */
    public static final DatapathSizes DEFAULTS = new DatapathSizes(65536, 16384);

    public DatapathSizes {
        if (ctEntries < 1) {
            throw new IllegalArgumentException("ctEntries must be >= 1, was " + ctEntries);
        }
        if (policyEntries < 1) {
            throw new IllegalArgumentException("policyEntries must be >= 1, was " + policyEntries);
        }
    }
}
