package io.nodus.state.decide;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.IpamImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Names;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.proto.AllocateIpam;
import io.nodus.state.proto.CreateIpamPool;
import io.nodus.state.proto.DeleteIpamPool;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.IpamAllocated;
import io.nodus.state.proto.IpamAllocation;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.IpamPoolCreated;
import io.nodus.state.proto.IpamPoolDeleted;
import io.nodus.state.proto.IpamReleased;
import io.nodus.state.proto.ReleaseIpam;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides IPAM commands: pools (never overlapping, so no address is held twice) and the blocks
 * and addresses taken from them. Node pod CIDRs are the default pool's allocations and move only
 * with their nodes.
 */
final class IpamCommands {
  private static final Pattern OWNER = Pattern.compile("[a-z0-9]([-a-z0-9.:/_]*[a-z0-9])?");

  private IpamCommands() {}

  static Decision createPool(ClusterImage image, CreateIpamPool cmd) {
    IpamPool pool = validatePool(cmd.getPool());
    if (pool.getName().equals(IpamImage.DEFAULT_POOL)) {
      return Decision.reject(RejectionCodes.ALREADY_EXISTS, "name",
          "the default pool is the cluster's pod CIDR pool; change it with the cluster configuration");
    }
    Optional<IpamPool> existing = image.ipam().pools().get(pool.getName());
    if (existing.isPresent()) {
      if (existing.get().toBuilder().clearRevision().build().equals(pool)) {
        return Decision.nothing();
      }
      return Decision.reject(RejectionCodes.ALREADY_EXISTS, "name", "a pool named " + pool.getName()
          + " exists already with " + existing.get().getCidr() + " /" + existing.get().getBlockPrefix());
    }
    Cidr range = Cidr.parse(pool.getCidr(), "cidr");
    for (IpamPool other : image.ipam().allPools(image.config())) {
      Cidr o = Cidr.parse(other.getCidr(), "cidr");
      if (o.contains(range) || range.contains(o)) {
        return Decision.reject(RejectionCodes.ALREADY_EXISTS, "cidr", range + " overlaps pool " + other.getName() + " (" + o + ")");
      }
    }
    return Decision.accept(Event.newBuilder().setIpamPoolCreated(IpamPoolCreated.newBuilder().setPool(pool)));
  }

  static Decision deletePool(ClusterImage image, DeleteIpamPool cmd) {
    Names.requireDnsLabel(cmd.getName(), "name");
    if (cmd.getName().equals(IpamImage.DEFAULT_POOL)) {
      return Decision.reject(RejectionCodes.FAILED_PRECONDITION, "name", "the default pool cannot be deleted");
    }
    if (image.ipam().pools().get(cmd.getName()).isEmpty()) {
      return Decision.reject(RejectionCodes.NOT_FOUND, "name", "no pool named " + cmd.getName());
    }
    int held = image.ipam().allocationsOf(cmd.getName()).size();
    if (held > 0) {
      return Decision.reject(RejectionCodes.FAILED_PRECONDITION, "name",
          "pool " + cmd.getName() + " still has " + held + " allocation(s); release them first");
    }
    return Decision.accept(Event.newBuilder().setIpamPoolDeleted(IpamPoolDeleted.newBuilder().setName(cmd.getName())));
  }

  static Decision allocate(ClusterImage image, AllocateIpam cmd) {
    Names.requireDnsLabel(cmd.getPool(), "pool");
    requireOwner(cmd.getOwner());
    Optional<IpamPool> found = image.ipam().pool(cmd.getPool(), image.config());
    if (found.isEmpty()) {
      return Decision.reject(RejectionCodes.NOT_FOUND, "pool", "no pool named " + cmd.getPool());
    }
    IpamPool pool = found.get();
    Cidr range = Cidr.parse(pool.getCidr(), "cidr");
    Cidr block;
    if (!cmd.getCidr().isEmpty()) {
      block = Cidr.parse(cmd.getCidr(), "cidr");
      if (!range.contains(block)) {
        return Decision.reject(RejectionCodes.INVALID_ARGUMENT, "cidr", block + " is outside pool " + pool.getName() + " (" + range + ")");
      }
      if (cmd.getPrefixLength() != 0 && cmd.getPrefixLength() != block.prefixLength()) {
        return Decision.reject(RejectionCodes.INVALID_ARGUMENT, "prefixLength",
            "prefix length /" + cmd.getPrefixLength() + " contradicts " + block);
      }
      Optional<IpamAllocation> held = image.ipam().overlapping(pool.getName(), range, block);
      if (held.isPresent()) {
        return Decision.reject(RejectionCodes.ALREADY_EXISTS, "cidr", block + " overlaps " + held.get().getCidr()
            + " held by " + held.get().getOwner());
      }
    } else {
      int prefix = cmd.getPrefixLength() == 0 ? pool.getBlockPrefix() : cmd.getPrefixLength();
      if (prefix < range.prefixLength() || prefix > 32) {
        return Decision.reject(RejectionCodes.INVALID_ARGUMENT, "prefixLength",
            "prefix length /" + prefix + " must lie between the pool's /" + range.prefixLength() + " and /32");
      }
      Optional<Cidr> free = image.ipam().lowestFree(pool.getName(), range, prefix);
      if (free.isEmpty()) {
        return Decision.reject(RejectionCodes.EXHAUSTED, "pool", "pool " + pool.getName() + " (" + range + ") has no free /" + prefix);
      }
      block = free.get();
    }
    return Decision.accept(Event.newBuilder().setIpamAllocated(IpamAllocated.newBuilder().setAllocation(
        IpamAllocation.newBuilder().setPool(pool.getName()).setCidr(block.toString()).setOwner(cmd.getOwner()))));
  }

  static Decision release(ClusterImage image, ReleaseIpam cmd) {
    Names.requireDnsLabel(cmd.getPool(), "pool");
    Cidr block = Cidr.parse(cmd.getCidr(), "cidr");
    Optional<IpamAllocation> held = image.ipam().allocation(cmd.getPool(), block);
    if (held.isEmpty()) {
      return Decision.reject(RejectionCodes.NOT_FOUND, "cidr", "pool " + cmd.getPool() + " has no allocation " + block);
    }
    if (held.get().getOwner().startsWith(IpamImage.NODE_OWNER_PREFIX)) {
      return Decision.reject(RejectionCodes.FAILED_PRECONDITION, "cidr", block + " is the pod CIDR of "
          + held.get().getOwner() + "; it goes back to the pool when the node is removed");
    }
    return Decision.accept(Event.newBuilder().setIpamReleased(
        IpamReleased.newBuilder().setPool(cmd.getPool()).setCidr(block.toString())));
  }

  /** A pool with a valid name, a canonical CIDR and a block prefix inside it; the revision cleared. */
  private static IpamPool validatePool(IpamPool in) {
    Names.requireDnsLabel(in.getName(), "name");
    Cidr range = Cidr.parse(in.getCidr(), "cidr");
    int block = in.getBlockPrefix();
    if (block < range.prefixLength() || block > 32) {
      throw InvalidFieldException.invalid("blockPrefix",
          "block prefix /" + block + " must lie between the pool's /" + range.prefixLength() + " and /32");
    }
    return in.toBuilder().setCidr(range.toString()).clearRevision().build();
  }

  private static void requireOwner(String owner) {
    if (owner.isEmpty()) {
      throw InvalidFieldException.invalid("owner", "is required");
    }
    if (owner.length() > 253 || !OWNER.matcher(owner).matches()) {
      throw InvalidFieldException.invalid("owner", "'" + owner
          + "' is not a valid owner: at most 253 lowercase letters, digits, '-', '.', ':', '/' or '_'");
    }
    if (owner.startsWith(IpamImage.NODE_OWNER_PREFIX)) {
      throw InvalidFieldException.invalid("owner", "owners starting with node: are reserved for node pod CIDRs");
    }
  }
}
