/**
 * One class per datapath map, each owning its key/value layout (mirroring {@code nodus_maps.h})
 * with records for keys and values: {@link io.nodus.bpf.maps.IpCacheMap}, {@link
 * io.nodus.bpf.maps.EndpointMap}, {@link io.nodus.bpf.maps.PolicyMaps} and {@link
 * io.nodus.bpf.maps.PolicyMap} (an LPM trie per endpoint, whose exact contents
 * {@link io.nodus.bpf.maps.PolicyMapContents} derives from rules: ranges as prefixes,
 * deny-consistent), {@link io.nodus.bpf.maps.CtMap}, {@link io.nodus.bpf.maps.MetricsMap},
 * {@link io.nodus.bpf.maps.ConfigMap} and {@link io.nodus.bpf.maps.LogPositionMap} (read by no
 * program: the log position the maps reflect, kept with them). Ports are host order in Java and network order in the
 * kernel; the encoders convert.
 */
package io.nodus.bpf.maps;
