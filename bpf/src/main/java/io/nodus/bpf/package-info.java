/**
 * Nodus' BPF datapath as seen from Java. {@link io.nodus.bpf.Datapath} loads the shipped object
 * ({@code nodus_datapath.o}, built from {@code src/main/c}) with its maps pinned per node and
 * attaches its tc programs to endpoint veths; sub-packages hold the libbpf binding, one class per
 * map, the event reader, tc attachment and network-namespace helpers. Knows nothing of policies
 * or the control plane: callers hand it identities, ports and endpoint ids.
 */
package io.nodus.bpf;
