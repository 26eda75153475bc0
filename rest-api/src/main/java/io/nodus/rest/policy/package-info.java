/**
 * Policy documents: strict parsing of CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy
 * (YAML or JSON) into the normalized model, with errors that name the document path of the
 * offending field ({@code spec.ingress[0].toPorts[0].ports[0].port}).
 */
package io.nodus.rest.policy;
