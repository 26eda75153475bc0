/**
 * The policy model's rules: validation ({@link io.nodus.state.policy.PolicyValidator},
 * {@link io.nodus.state.policy.PortRules}), normalization (the implicit namespace of namespaced
 * policies, canonical CIDRs), label selector matching and the selector cache, entities and CIDR
 * identities, and resolution of the policies that select an endpoint into the entries its
 * datapath policy map must hold ({@link io.nodus.state.policy.PolicyResolver}).
 */
package io.nodus.state.policy;
