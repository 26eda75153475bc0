/**
 * Policy documents: strict parsing of CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy
 * (YAML or JSON) and conversion of Kubernetes NetworkPolicy into the normalized model, with
 * errors that name the document path of the offending field
 * ({@code spec.egress[0].toCIDRSet[1].except[0]}, {@code spec.ingress[0].from[0].ipBlock.cidr}).
 */
package io.nodus.rest.policy;
