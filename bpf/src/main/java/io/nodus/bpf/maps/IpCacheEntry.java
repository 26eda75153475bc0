package io.nodus.bpf.maps;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * What the datapath knows about a prefix: its security identity and, for remote prefixes, the
 * node that hosts them ({@link Ipv4#ANY} = local).
 */
public record IpCacheEntry(int identity, Inet4Address tunnelEndpoint, int flags) {

    public IpCacheEntry {
        if (identity < 0) {
            throw new IllegalArgumentException("identity must be >= 0, was " + identity);
        }
        Objects.requireNonNull(tunnelEndpoint, "tunnelEndpoint");
    }

    public static IpCacheEntry local(int identity) {
        return new IpCacheEntry(identity, Ipv4.ANY, 0);
    }

    public boolean isLocal() {
        return tunnelEndpoint.equals(Ipv4.ANY);
    }
}
