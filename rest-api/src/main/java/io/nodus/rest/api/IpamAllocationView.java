package io.nodus.rest.api;

/**
 * A block held from a pool.
 *
 * @param pool the pool
 * @param cidr the block; a single address is a /32
 * @param owner who holds it ("node:NAME" for node pod CIDRs)
 * @param revision revision at which it was allocated
 */
public record IpamAllocationView(String pool, String cidr, String owner, long revision) {}
