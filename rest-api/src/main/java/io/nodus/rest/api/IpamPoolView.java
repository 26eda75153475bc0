package io.nodus.rest.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An IPAM pool: POST /v1/ipam/pools takes {@code name}, {@code cidr} and {@code blockPrefix};
 * GET adds what it holds.
 *
 * @param name pool name (DNS label); "default" is the cluster's pod CIDR pool
 * @param cidr the pool's range
 * @param blockPrefix prefix length of an allocation that asks for no size (32: single addresses)
 * @param allocated number of blocks held (output only)
 * @param allocations the blocks held (output only, on GET of one pool)
 * @param revision revision at which it was created (output only; 0 for the default pool)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IpamPoolView(String name, String cidr, Integer blockPrefix, Integer allocated,
    List<IpamAllocationView> allocations, Long revision) {}
