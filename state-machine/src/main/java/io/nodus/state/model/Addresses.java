package io.nodus.state.model;

import java.util.regex.Pattern;

/**
 * Validation of network addresses users give: unicast IPv4 addresses for services and
 * {@code host:port} addresses of controllers.
 */
public final class Addresses {
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?");
  private static final Pattern MEMBER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

  private Addresses() {}

  /**
   * Parses an IPv4 address that can stand for one host: not 0.0.0.0, not the limited broadcast
   * address, not multicast (224.0.0.0/4) and not in 0.0.0.0/8.
   */
  public static int requireUnicast(String text, String field) {
    if (text.isEmpty()) {
      throw InvalidFieldException.invalid(field, "is required");
    }
    int address = Ipv4.parse(text, field);
    int first = address >>> 24;
    if (first == 0 || address == -1 || (first & 0xF0) == 0xE0) {
      throw InvalidFieldException.invalid(field, text + " is not a unicast host address");
    }
    return address;
  }

  /** Checks a TCP/UDP port 1..65535. */
  public static void requirePort(long port, String field) {
    if (port < 1 || port > 65535) {
      throw InvalidFieldException.invalid(field, "port " + port + " is outside 1..65535");
    }
  }

  /** Checks {@code host:port}: a host name or IPv4 address and a port 1..65535. */
  public static void requireHostPort(String text, String field) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw InvalidFieldException.invalid(field, "'" + text + "' is not host:port");
    }
    String host = text.substring(0, colon);
    String port = text.substring(colon + 1);
    if (host.length() > 253 || !HOST.matcher(host).matches()) {
      throw InvalidFieldException.invalid(field, "'" + host + "' is not a host name or IPv4 address");
    }
    if (port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
      throw InvalidFieldException.invalid(field, "'" + port + "' is not a port number");
    }
    requirePort(Integer.parseInt(port), field);
  }

  /**
   * Checks the {@code host:port} of a controller that others connect to: {@link #requireHostPort},
   * and an IPv4 literal must name one host (not a wildcard such as 0.0.0.0, not broadcast or
   * multicast), since every member dials it.
   */
  public static void requireMemberAddress(String text, String field) {
    requireHostPort(text, field);
    String host = text.substring(0, text.lastIndexOf(':'));
    if (host.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
      try {
        requireUnicast(host, field);
      } catch (InvalidFieldException e) {
        throw InvalidFieldException.invalid(field, "'" + host + "' is not an address other controllers can dial"
            + " (a wildcard, broadcast or multicast address, or not IPv4)");
      }
    }
  }

  /** Checks a controller (Raft peer) id: letters, digits, '.', '_' or '-', at most 64 characters. */
  public static void requireMemberId(String id, String field) {
    if (id.isEmpty()) {
      throw InvalidFieldException.invalid(field, "must not be empty");
    }
    if (id.length() > 64 || !MEMBER_ID.matcher(id).matches()) {
      throw InvalidFieldException.invalid(field, "'" + id
          + "' is not a valid member id: at most 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
  }
}
