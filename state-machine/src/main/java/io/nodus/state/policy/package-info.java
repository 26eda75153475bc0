/**
 * The policy model's rules: validation, normalization (the implicit namespace of namespaced
 * policies), label selector matching and resolution of the policies that select an endpoint
 * into the entries its datapath policy map must hold.
 */
package io.nodus.state.policy;
