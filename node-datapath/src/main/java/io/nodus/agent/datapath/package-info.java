/**
 * From cluster image to BPF maps, incrementally: the core says which of the node's endpoints a
 * {@link io.nodus.state.delta.ClusterDelta} can affect ({@link io.nodus.state.policy.PolicyImpact},
 * through the {@link io.nodus.agent.datapath.PolicyTracker}, which resolves only those), and the
 * {@link io.nodus.agent.datapath.MapSyncer} writes only the entries that differ from what is
 * pinned, never a policy in part (an overflow is an error in the endpoint's status).
 */
package io.nodus.agent.datapath;
