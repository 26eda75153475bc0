package io.nodus.state.image;

import io.nodus.state.collect.PersistentSortedMap;
import io.nodus.state.model.Cidr;
import io.nodus.state.proto.ClusterConfig;
import io.nodus.state.proto.IpamAllocation;
import io.nodus.state.proto.IpamPool;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * IPAM pools and the blocks taken from them.
 *
 * <p>The {@value #DEFAULT_POOL} pool is not stored: it is the cluster configuration's pod CIDR pool
 * with the node prefix as block size, and node pod CIDRs are its allocations (owner
 * {@code node:<name>}). Other pools are created by users and never overlap each other or the
 * default pool, so no address is ever held from two pools. Allocation hands out the lowest free
 * aligned block, which is how node pod CIDRs were always chosen.
 *
 * @param pools user-created pools by name
 * @param allocations pool name to its allocations by block; a pool without allocations has no entry
 */
public record IpamImage(
    PersistentSortedMap<String, IpamPool> pools,
    PersistentSortedMap<String, PersistentSortedMap<Cidr, IpamAllocation>> allocations) {

  /** Name of the pod CIDR pool that nodes take their CIDR from. */
  public static final String DEFAULT_POOL = "default";
  /** Owner prefix of node pod CIDRs in the default pool. */
  public static final String NODE_OWNER_PREFIX = "node:";

  public static final IpamImage EMPTY = new IpamImage(PersistentSortedMap.empty(), PersistentSortedMap.empty());

  /** The default pool as {@code config} defines it. */
  public static IpamPool defaultPool(ClusterConfig config) {
    return IpamPool.newBuilder()
        .setName(DEFAULT_POOL)
        .setCidr(config.getPodCidrPool())
        .setBlockPrefix(config.getNodeCidrPrefix())
        .build();
  }

  /** The owner string of a node's pod CIDR. */
  public static String nodeOwner(String node) {
    return NODE_OWNER_PREFIX + node;
  }

  public Optional<IpamPool> pool(String name, ClusterConfig config) {
    return name.equals(DEFAULT_POOL) ? Optional.of(defaultPool(config)) : pools.get(name);
  }

  /**
   * The pools after {@code name} in listing order (the default pool first, then user pools by
   * name), keyed by name; every pool when {@code name} is null.
   */
  public Iterator<Map.Entry<String, IpamPool>> poolsAfter(String name, ClusterConfig config) {
    if (name != null) {
      return pools.entriesAfter(name.equals(DEFAULT_POOL) ? null : name);
    }
    Iterator<Map.Entry<String, IpamPool>> rest = pools.entriesAfter(null);
    return new Iterator<>() {
      private boolean defaultGiven;

      @Override
      public boolean hasNext() {
        return !defaultGiven || rest.hasNext();
      }

      @Override
      public Map.Entry<String, IpamPool> next() {
        if (defaultGiven) {
          return rest.next();
        }
        defaultGiven = true;
        return Map.entry(DEFAULT_POOL, defaultPool(config));
      }
    };
  }

  /** The default pool first, then user pools by name. */
  public List<IpamPool> allPools(ClusterConfig config) {
    List<IpamPool> out = new ArrayList<>();
    out.add(defaultPool(config));
    out.addAll(pools.values());
    return out;
  }

  /** Allocations of one pool, by block. */
  public PersistentSortedMap<Cidr, IpamAllocation> allocationsOf(String pool) {
    PersistentSortedMap<Cidr, IpamAllocation> a = allocations.getOrNull(pool);
    return a == null ? PersistentSortedMap.empty() : a;
  }

  /** Every allocation, by pool name then block. */
  public List<IpamAllocation> allAllocations() {
    List<IpamAllocation> out = new ArrayList<>();
    for (Map.Entry<String, PersistentSortedMap<Cidr, IpamAllocation>> p : allocations) {
      out.addAll(p.getValue().values());
    }
    return out;
  }

  public Optional<IpamAllocation> allocation(String pool, Cidr block) {
    return Optional.ofNullable(allocationsOf(pool).getOrNull(block));
  }

  public IpamImage withPool(IpamPool pool) {
    return new IpamImage(pools.put(pool.getName(), pool), allocations);
  }

  public IpamImage withoutPool(String name) {
    return new IpamImage(pools.remove(name), allocations.remove(name));
  }

  /** Records an allocation (replacing one of the same block). */
  public IpamImage allocated(IpamAllocation allocation) {
    Cidr block = Cidr.parse(allocation.getCidr(), "cidr");
    return new IpamImage(pools, allocations.put(allocation.getPool(), allocationsOf(allocation.getPool()).put(block, allocation)));
  }

  /** Gives a block back; a pool left without allocations loses its entry. */
  public IpamImage released(String pool, Cidr block) {
    PersistentSortedMap<Cidr, IpamAllocation> left = allocationsOf(pool).remove(block);
    return new IpamImage(pools, left.isEmpty() ? allocations.remove(pool) : allocations.put(pool, left));
  }

  /** The allocation of {@code pool} that overlaps {@code block}, if any. */
  public Optional<IpamAllocation> overlapping(String pool, Cidr range, Cidr block) {
    return Optional.ofNullable(overlap(allocationsOf(pool), range, block));
  }

  /**
   * The lowest free block of length {@code prefix} in {@code range} among {@code pool}'s
   * allocations. Each step either succeeds or jumps past an allocation, so the search costs at
   * most one step per allocation.
   */
  public Optional<Cidr> lowestFree(String pool, Cidr range, int prefix) {
    PersistentSortedMap<Cidr, IpamAllocation> taken = allocationsOf(pool);
    long size = 1L << (32 - prefix);
    long end = Integer.toUnsignedLong(range.network()) + range.size();
    long start = Integer.toUnsignedLong(range.network());
    while (start + size <= end) {
      Cidr candidate = new Cidr((int) start, prefix);
      IpamAllocation held = overlap(taken, range, candidate);
      if (held == null) {
        return Optional.of(candidate);
      }
      Cidr h = Cidr.parse(held.getCidr(), "cidr");
      long heldEnd = Integer.toUnsignedLong(h.network()) + h.size();
      // Next aligned start at or after the end of what is in the way.
      start = (heldEnd + size - 1) / size * size;
    }
    return Optional.empty();
  }

  /** An allocation overlapping {@code block}: one containing it, or one starting inside it. */
  private static IpamAllocation overlap(PersistentSortedMap<Cidr, IpamAllocation> taken, Cidr range, Cidr block) {
    if (taken.isEmpty()) {
      return null;
    }
    // Aligned blocks either nest or are disjoint: a block containing this one starts at this
    // one's address masked to the container's length.
    for (int p = range.prefixLength(); p <= block.prefixLength(); p++) {
      IpamAllocation containing = taken.getOrNull(new Cidr(block.network() & Cidr.mask(p), p));
      if (containing != null) {
        return containing;
      }
    }
    Optional<Cidr> next = taken.ceilingKey(block);
    if (next.isPresent()) {
      long start = Integer.toUnsignedLong(next.get().network());
      if (start < Integer.toUnsignedLong(block.network()) + block.size()) {
        return taken.getOrNull(next.get());
      }
    }
    return null;
  }
}
