package io.nodus.rest.api;

/**
 * POST /v1/ipam/pools/{name}/allocations.
 *
 * @param owner who will hold the block (required)
 * @param prefixLength size of the block; absent: the pool's block prefix
 * @param cidr a specific block to claim; absent: the lowest free one
 */
public record AllocateRequest(String owner, Integer prefixLength, String cidr) {}
