package io.nodus.state.image;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nodus.state.model.Cidr;
import io.nodus.state.proto.Policy;
import java.util.Arrays;
import java.util.Set;

/**
 * A policy as the image keeps it: encoded, with the few facts an upsert reads from the policy it
 * replaces (its document's size and hash, the CIDR prefixes it references), and parsed only when
 * someone asks for the message.
 *
 * <p>A parsed policy is a graph of dozens of small objects. Under a steady stream of upserts each
 * one lives a few seconds, long enough to survive young collections and be copied by each of them,
 * then to be collected again in the old generation: on a controller that was the largest part of
 * the garbage collector's work. An encoded policy is one array. A controller serves the bytes to
 * its store as they are; only readers (the REST API, an agent resolving policies, a snapshot)
 * parse, once per stored policy.
 *
 * <p>Immutable but for the parsed copy, which is a cache: readers that parse at once each parse,
 * and either result is kept.
 */
public final class StoredPolicy {
  private final byte[] encoded;
  private final long revision;
  private final int documentSize;
  private final int documentHash;
  private final Set<Cidr> prefixes;
  private volatile Policy parsed;

  private StoredPolicy(byte[] encoded, long revision, int documentSize, int documentHash, Set<Cidr> prefixes) {
    this.encoded = encoded;
    this.revision = revision;
    this.documentSize = documentSize;
    this.documentHash = documentHash;
    this.prefixes = prefixes;
  }

  /**
   * Keeps {@code policy} encoded.
   *
   * @param prefixes the CIDR prefixes it references (see {@code CidrIdentities.prefixes})
   */
  public static StoredPolicy of(Policy policy, Set<Cidr> prefixes) {
    return new StoredPolicy(policy.toByteArray(), policy.getRevision(), policy.getOriginalDocumentBytes().size(),
        policy.getOriginalDocumentBytes().hashCode(), Set.copyOf(prefixes));
  }

  /** The policy (parsed on the first call). */
  public Policy policy() {
    Policy p = parsed;
    if (p == null) {
      try {
        p = Policy.parseFrom(encoded);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("a stored policy does not parse", e);
      }
      parsed = p;
    }
    return p;
  }

  /** The revision that last changed the policy (compare-and-set reads it without parsing). */
  public long revision() {
    return revision;
  }

  /** A copy of the encoded policy, as the store keeps it. */
  public byte[] toByteArray() {
    return encoded.clone();
  }

  /**
   * Whether this policy's original document may be {@code other}'s: false means it certainly is
   * not, without parsing (size and hash differ).
   */
  public boolean mayHaveDocumentOf(Policy other) {
    return documentSize == other.getOriginalDocumentBytes().size()
        && documentHash == other.getOriginalDocumentBytes().hashCode();
  }

  /** The CIDR prefixes the policy references, each of which has a local identity while it does. */
  public Set<Cidr> prefixes() {
    return prefixes;
  }

  /**
   * Equal policies have equal encodings (a {@code Policy} has no map fields, whose order could
   * vary), so the bytes decide, without parsing: the image's map compares the old and the new
   * value on every upsert.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof StoredPolicy s && Arrays.equals(encoded, s.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return "StoredPolicy[" + policy().getNamespace() + "/" + policy().getName() + ", " + encoded.length + " bytes]";
  }
}
