package io.nodus.bpf.maps;

import java.time.Duration;
import java.util.Objects;

/**
 * Datapath-wide switches and connection-tracking lifetimes ({@code struct datapath_config}):
 * trace events for every forwarded packet, policy-verdict events for allowed new flows, and the
 * CT lifetimes (Cilium's defaults: established TCP 6 h, TCP before the first reply 60 s, closing
 * TCP 10 s, everything else 60 s).
 */
public record DatapathConfig(boolean traceAll, boolean policyVerdicts, Duration tcpLifetime, Duration synLifetime,
        Duration closeLifetime, Duration otherLifetime) {
    public static final DatapathConfig DEFAULTS = new DatapathConfig(false, true, Duration.ofHours(6),
            Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(60));

    public DatapathConfig {
        for (Duration d : new Duration[] {tcpLifetime, synLifetime, closeLifetime, otherLifetime}) {
            Objects.requireNonNull(d, "lifetime");
            if (d.toSeconds() < 1 || d.toSeconds() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("CT lifetimes are whole seconds >= 1, got " + d);
            }
        }
    }

    public DatapathConfig withTraceAll(boolean on) {
        return new DatapathConfig(on, policyVerdicts, tcpLifetime, synLifetime, closeLifetime, otherLifetime);
    }

    public DatapathConfig withPolicyVerdicts(boolean on) {
        return new DatapathConfig(traceAll, on, tcpLifetime, synLifetime, closeLifetime, otherLifetime);
    }

    /** Every CT lifetime set to {@code lifetime} (tests that want entries to expire quickly). */
    public DatapathConfig withCtLifetimes(Duration lifetime) {
        return new DatapathConfig(traceAll, policyVerdicts, lifetime, lifetime, lifetime, lifetime);
    }
}
