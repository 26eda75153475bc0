package io.nodus.state.policy;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.nodus.state.model.InvalidFieldException;
import java.util.Optional;

/**
 * Checks L7 regexes (HTTP method, path, host) in RE2 syntax, the dialect of the proxies that
 * enforce them. {@code java.util.regex} accepts constructs RE2 refuses (lookaround,
 * backreferences, possessive quantifiers, atomic groups) and that backtrack without bound, so a
 * policy it accepted could fail at the proxy or stall it. RE2/J's own errors are terse, so the
 * common Java-only constructs are found first and named.
 */
public final class Re2Syntax {
  private static final String RE2 = " is not supported (RE2 syntax)";

  private Re2Syntax() {}

  /** Throws an {@code invalid_argument} on {@code path} unless {@code regex} compiles as RE2. */
  public static void validate(String regex, String path) {
    Optional<String> javaOnly = javaOnlyConstruct(regex);
    if (javaOnly.isPresent()) {
      throw InvalidFieldException.invalid(path, "'" + regex + "' is not a valid regular expression: " + javaOnly.get());
    }
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw InvalidFieldException.invalid(path, "'" + regex + "' is not a valid regular expression (RE2 syntax): " + e.getDescription()
          + (e.getPattern().isEmpty() || e.getPattern().equals(regex) ? "" : " at '" + e.getPattern() + "'"));
    }
  }

  /** The first Java-only construct in {@code regex}, described; escapes and character classes are skipped. */
  static Optional<String> javaOnlyConstruct(String regex) {
    int n = regex.length();
    for (int i = 0; i < n; i++) {
      char c = regex.charAt(i);
      if (c == '\\' && i + 1 < n) {
        char e = regex.charAt(i + 1);
        if (e >= '1' && e <= '9') {
          return Optional.of("backreference \\" + e + RE2);
        }
        if (e == 'k' && i + 2 < n && regex.charAt(i + 2) == '<') {
          return Optional.of("named backreference \\k<...>" + RE2);
        }
        if (e == 'Q') {
          // Quoted text up to \E is literal in both dialects.
          int end = regex.indexOf("\\E", i + 2);
          i = end < 0 ? n : end + 1;
        } else {
          i++;
        }
        continue;
      }
      if (c == '[') {
        i = endOfClass(regex, i);
        continue;
      }
      if (c == '(') {
        if (regex.startsWith("(?<=", i) || regex.startsWith("(?<!", i)) {
          return Optional.of("lookbehind " + regex.substring(i, i + 4) + "...)" + RE2);
        }
        if (regex.startsWith("(?=", i) || regex.startsWith("(?!", i)) {
          return Optional.of("lookahead " + regex.substring(i, i + 3) + "...)" + RE2);
        }
        if (regex.startsWith("(?>", i)) {
          return Optional.of("atomic group (?>...)" + RE2);
        }
      }
      if (i + 1 < n && regex.charAt(i + 1) == '+' && (c == '*' || c == '+' || c == '?' || c == '}' && closesRepeat(regex, i))) {
        return Optional.of("possessive quantifier '" + c + "+'" + RE2);
      }
    }
    return Optional.empty();
  }

  /** Index of the ']' closing the class opened at {@code open} (a ']' first in the class is literal). */
  private static int endOfClass(String regex, int open) {
    int i = open + 1;
    if (i < regex.length() && regex.charAt(i) == '^') {
      i++;
    }
    if (i < regex.length() && regex.charAt(i) == ']') {
      i++;
    }
    for (; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[' && i + 1 < regex.length() && regex.charAt(i + 1) == ':') {
        // A POSIX class [:alpha:] inside a class.
        int end = regex.indexOf(":]", i + 2);
        i = end < 0 ? i : end + 1;
      } else if (c == ']') {
        return i;
      }
    }
    return regex.length();
  }

  /** Whether the '}' at {@code close} ends a counted repeat {n}, {n,} or {n,m}. */
  private static boolean closesRepeat(String regex, int close) {
    int open = regex.lastIndexOf('{', close);
    return open >= 0 && regex.substring(open + 1, close).matches("\\d+(,\\d*)?");
  }
}
