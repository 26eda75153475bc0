package io.nodus.state.policy;

import io.nodus.state.model.Cidr;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Ipv4;

/**
 * An IPv4 or IPv6 prefix as policies write them ({@code fromCIDR}, {@code toCIDRSet}, K8s
 * {@code ipBlock}), parsed strictly: no host bits, no zone, no leading-zero octets. IPv6 prefixes
 * are parsed and stored so that dual-stack documents are accepted faithfully, even though the
 * datapath enforces IPv4 only.
 *
 * @param ipv6 whether this is an IPv6 prefix
 * @param high upper 64 bits of the address (IPv6), 0 for IPv4
 * @param low lower 64 bits of the address (IPv6), or the IPv4 address in the low 32 bits
 * @param length prefix length, 0..32 or 0..128
 */
public record IpPrefix(boolean ipv6, long high, long low, int length) {

  public IpPrefix {
    if (length < 0 || length > (ipv6 ? 128 : 32)) {
      throw new IllegalArgumentException("prefix length " + length + " out of range");
    }
    if (!ipv6 && (high != 0 || (low >>> 32) != 0)) {
      throw new IllegalArgumentException("IPv4 address out of 32 bits");
    }
  }

  /**
   * Parses {@code address/length}, or a bare address when {@code bareAddress} is set (a host
   * prefix, as Cilium's fromCIDR accepts). Throws naming {@code field}.
   */
  public static IpPrefix parse(String text, String field, boolean bareAddress) {
    if (text == null || text.isEmpty()) {
      throw InvalidFieldException.invalid(field, "a CIDR is required");
    }
    int slash = text.indexOf('/');
    if (slash < 0 && !bareAddress) {
      throw InvalidFieldException.invalid(field, "'" + text + "' is not a CIDR (address/prefix-length)");
    }
    String address = slash < 0 ? text : text.substring(0, slash);
    boolean v6 = address.indexOf(':') >= 0;
    long[] bits = v6 ? parseIpv6(address, text, field) : new long[] {0, Integer.toUnsignedLong(parseIpv4(address, text, field))};
    int max = v6 ? 128 : 32;
    int length = max;
    if (slash >= 0) {
      String len = text.substring(slash + 1);
      if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(c -> c >= '0' && c <= '9')
          || (len.length() > 1 && len.charAt(0) == '0') || Integer.parseInt(len) > max) {
        throw InvalidFieldException.invalid(field, "'" + text + "' has an invalid prefix length (0.." + max + ")");
      }
      length = Integer.parseInt(len);
    }
    IpPrefix exact = new IpPrefix(v6, bits[0], bits[1], max);
    IpPrefix masked = exact.masked(length);
    if (masked.high != exact.high || masked.low != exact.low) {
      throw InvalidFieldException.invalid(field, "'" + text + "' has host bits set; did you mean " + masked + "?");
    }
    return masked;
  }

  private static int parseIpv4(String address, String text, String field) {
    try {
      return Ipv4.parse(address, field);
    } catch (InvalidFieldException e) {
      throw InvalidFieldException.invalid(field, "'" + text + "' is not an IPv4 or IPv6 CIDR: " + e.getMessage());
    }
  }

  /** RFC 4291 text form: eight groups of up to four hex digits, one "::", an optional IPv4 tail. */
  private static long[] parseIpv6(String address, String text, String field) {
    InvalidFieldException bad = InvalidFieldException.invalid(field, "'" + text + "' is not a valid IPv6 CIDR");
    int gap = address.indexOf("::");
    if (gap >= 0 && address.indexOf("::", gap + 1) >= 0) {
      throw bad;
    }
    String head = gap < 0 ? address : address.substring(0, gap);
    String tail = gap < 0 ? "" : address.substring(gap + 2);
    int[] headGroups = groups(head, bad, gap < 0);
    int[] tailGroups = groups(tail, bad, true);
    int explicit = headGroups.length + tailGroups.length;
    if ((gap < 0 && explicit != 8) || (gap >= 0 && explicit > 7)) {
      throw bad;
    }
    int[] all = new int[8];
    System.arraycopy(headGroups, 0, all, 0, headGroups.length);
    System.arraycopy(tailGroups, 0, all, 8 - tailGroups.length, tailGroups.length);
    long high = 0;
    long low = 0;
    for (int i = 0; i < 4; i++) {
      high = (high << 16) | all[i];
      low = (low << 16) | all[i + 4];
    }
    return new long[] {high, low};
  }

  /** The 16-bit groups of one side of "::"; the last group may be a dotted IPv4 address. */
  private static int[] groups(String part, InvalidFieldException bad, boolean mayEndWithIpv4) {
    if (part.isEmpty()) {
      return new int[0];
    }
    String[] pieces = part.split(":", -1);
    boolean ipv4Tail = mayEndWithIpv4 && pieces[pieces.length - 1].indexOf('.') >= 0;
    int[] out = new int[pieces.length + (ipv4Tail ? 1 : 0)];
    for (int i = 0; i < pieces.length; i++) {
      String g = pieces[i];
      if (ipv4Tail && i == pieces.length - 1) {
        if (!Ipv4.isValid(g)) {
          throw bad;
        }
        int v4 = Ipv4.parse(g, "");
        out[i] = v4 >>> 16;
        out[i + 1] = v4 & 0xffff;
        continue;
      }
      if (g.isEmpty() || g.length() > 4 || !g.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        throw bad;
      }
      out[i] = Integer.parseInt(g, 16);
    }
    return out;
  }

  /** The prefix of {@code len} bits that contains this address. */
  public IpPrefix masked(int len) {
    if (!ipv6) {
      long mask = len == 0 ? 0 : (0xffffffffL << (32 - len)) & 0xffffffffL;
      return new IpPrefix(false, 0, low & mask, len);
    }
    long hiMask = len == 0 ? 0 : len >= 64 ? -1L : -1L << (64 - len);
    long loMask = len <= 64 ? 0 : len == 128 ? -1L : -1L << (128 - len);
    return new IpPrefix(true, high & hiMask, low & loMask, len);
  }

  /** Whether {@code other} (of the same family) lies inside this prefix. */
  public boolean contains(IpPrefix other) {
    if (other.ipv6 != ipv6 || other.length < length) {
      return false;
    }
    IpPrefix cut = other.masked(length);
    return cut.high == high && cut.low == low;
  }

  /** The model's IPv4 CIDR; only for IPv4 prefixes. */
  public Cidr toCidr() {
    if (ipv6) {
      throw new IllegalStateException(this + " is not IPv4");
    }
    return new Cidr((int) low, length);
  }

  /** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run compressed). */
  @Override
  public String toString() {
    if (!ipv6) {
      return Ipv4.format((int) low) + "/" + length;
    }
    int[] g = new int[8];
    for (int i = 0; i < 4; i++) {
      g[i] = (int) (high >>> (48 - 16 * i)) & 0xffff;
      g[i + 4] = (int) (low >>> (48 - 16 * i)) & 0xffff;
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb + "/" + length;
  }
}
