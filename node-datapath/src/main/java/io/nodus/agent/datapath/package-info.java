/**
 * From cluster image to BPF maps, incrementally: a {@link io.nodus.agent.datapath.ChangeSet}
 * records what a batch of events touched, the {@link io.nodus.agent.datapath.PolicyTracker}
 * decides which local endpoints that can affect and resolves only those, and the
 * {@link io.nodus.agent.datapath.MapSyncer} writes only the entries that differ from what is
 * pinned, never a policy in part (an overflow is an error in the endpoint's status).
 */
package io.nodus.agent.datapath;
