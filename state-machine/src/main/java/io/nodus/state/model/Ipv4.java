package io.nodus.state.model;

/** IPv4 addresses as unsigned 32-bit values in host order, parsed strictly (no leading zeros). */
public final class Ipv4 {
  private Ipv4() {}

  /** Parses a dotted quad, throwing {@link InvalidFieldException} on {@code field} when malformed. */
  public static int parse(String text, String field) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      throw InvalidFieldException.invalid(field, "'" + text + "' is not an IPv4 address (a.b.c.d)");
    }
    int value = 0;
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0') || !p.chars().allMatch(Character::isDigit)) {
        throw InvalidFieldException.invalid(field, "'" + text + "' is not an IPv4 address (a.b.c.d)");
      }
      int octet = Integer.parseInt(p);
      if (octet > 255) {
        throw InvalidFieldException.invalid(field, "'" + text + "' is not an IPv4 address: octet " + octet + " > 255");
      }
      value = (value << 8) | octet;
    }
    return value;
  }

  public static boolean isValid(String text) {
    try {
      parse(text, "");
      return true;
    } catch (InvalidFieldException e) {
      return false;
    }
  }

  public static String format(int address) {
    return ((address >>> 24) & 0xff) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "." + (address & 0xff);
  }
}
