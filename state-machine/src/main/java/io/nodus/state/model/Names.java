package io.nodus.state.model;

import java.util.regex.Pattern;

/** Validation of resource names (Kubernetes DNS-1123 rules). */
public final class Names {
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private Names() {}

  /** A DNS-1123 label: at most 63 lowercase alphanumerics or '-', alphanumeric at both ends. */
  public static void requireDnsLabel(String name, String field) {
    if (name.isEmpty()) {
      throw InvalidFieldException.invalid(field, "must not be empty");
    }
    if (name.length() > 63 || !LABEL.matcher(name).matches()) {
      throw InvalidFieldException.invalid(field, "'" + name
          + "' is not a valid name: at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit");
    }
  }

  /** A DNS-1123 subdomain: at most 253 characters of dot-separated labels. */
  public static void requireDnsSubdomain(String name, String field) {
    if (name.isEmpty()) {
      throw InvalidFieldException.invalid(field, "must not be empty");
    }
    if (name.length() > 253 || !SUBDOMAIN.matcher(name).matches()) {
      throw InvalidFieldException.invalid(field, "'" + name
          + "' is not a valid name: at most 253 lowercase letters, digits, '-' or '.', starting and ending with a letter or digit");
    }
  }
}
