package io.nodus.state.model;

/**
 * An IPv4 prefix in canonical form (host bits zero).
 *
 * @param network network address, host order, host bits cleared
 * @param prefixLength 0..32
 */
public record Cidr(int network, int prefixLength) implements Comparable<Cidr> {
  public Cidr {
    if (prefixLength < 0 || prefixLength > 32) {
      throw new IllegalArgumentException("prefix length " + prefixLength + " out of 0..32");
    }
    if ((network & ~mask(prefixLength)) != 0) {
      throw new IllegalArgumentException("host bits set in " + Ipv4.format(network) + "/" + prefixLength);
    }
  }

  /** Parses {@code a.b.c.d/n}; host bits must be zero. */
  public static Cidr parse(String text, String field) {
    int slash = text.indexOf('/');
    if (slash < 0) {
      throw InvalidFieldException.invalid(field, "'" + text + "' is not a CIDR (a.b.c.d/n)");
    }
    int address = Ipv4.parse(text.substring(0, slash), field);
    String len = text.substring(slash + 1);
    if (len.isEmpty() || len.length() > 2 || !len.chars().allMatch(Character::isDigit) || Integer.parseInt(len) > 32) {
      throw InvalidFieldException.invalid(field, "'" + text + "' has an invalid prefix length (0..32)");
    }
    int prefix = Integer.parseInt(len);
    if ((address & ~mask(prefix)) != 0) {
      throw InvalidFieldException.invalid(field, "'" + text + "' has host bits set; did you mean " + Ipv4.format(address & mask(prefix)) + "/" + prefix + "?");
    }
    return new Cidr(address, prefix);
  }

  public static int mask(int prefixLength) {
    return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
  }

  /** Number of addresses in the prefix. */
  public long size() {
    return 1L << (32 - prefixLength);
  }

  public boolean contains(int address) {
    return (address & mask(prefixLength)) == network;
  }

  public boolean contains(Cidr other) {
    return other.prefixLength >= prefixLength && contains(other.network);
  }

  /** The {@code index}-th address of the prefix (0 is the network address). */
  public int address(long index) {
    if (index < 0 || index >= size()) {
      throw new IllegalArgumentException("index " + index + " outside " + this);
    }
    return network + (int) index;
  }

  /** The {@code index}-th sub-prefix of length {@code length} inside this one. */
  public Cidr subnet(int length, long index) {
    if (length < prefixLength) {
      throw new IllegalArgumentException("/" + length + " does not fit in " + this);
    }
    long count = 1L << (length - prefixLength);
    if (index < 0 || index >= count) {
      throw new IllegalArgumentException("subnet index " + index + " outside " + this);
    }
    return new Cidr(network + (int) (index << (32 - length)), length);
  }

  @Override
  public int compareTo(Cidr o) {
    int c = Integer.compareUnsigned(network, o.network);
    return c != 0 ? c : Integer.compare(prefixLength, o.prefixLength);
  }

  @Override
  public String toString() {
    return Ipv4.format(network) + "/" + prefixLength;
  }
}
