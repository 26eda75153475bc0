package io.nodus.state.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatNoException;

import io.nodus.state.model.InvalidFieldException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** L7 regexes are checked in RE2 syntax, naming the field and the construct a proxy would refuse. */
class Re2SyntaxTest {
  private static final String FIELD = "spec.ingress[0].toPorts[0].rules.http[0].path";

  @ParameterizedTest
  @ValueSource(strings = {"", "/api/v1/.*", "GET|POST", "^/users/[0-9]+$", "(?i)/Admin", "[a-z]{2,5}\\.example\\.com", "/a\\+b",
      "[]a]", "[^]a]+", "\\Q(?=x)\\E", "/x{3}", "[[:alpha:]]+", "(?P<id>[0-9]+)", "a}+", "\\d+\\z"})
  void acceptsRe2Syntax(String regex) {
    assertThatNoException().isThrownBy(() -> Re2Syntax.validate(regex, FIELD));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "/(?<=a)b|lookbehind (?<=...) is not supported (RE2 syntax)",
      "/(?<!a)b|lookbehind (?<!...) is not supported (RE2 syntax)",
      "/a(?=b)|lookahead (?=...) is not supported (RE2 syntax)",
      "/a(?!b)|lookahead (?!...) is not supported (RE2 syntax)",
      "(a)\\1|backreference \\1 is not supported (RE2 syntax)",
      "(?<x>a)\\k<x>|named backreference \\k<...> is not supported (RE2 syntax)",
      "/a*+|possessive quantifier '*+' is not supported (RE2 syntax)",
      "/a++|possessive quantifier '++' is not supported (RE2 syntax)",
      "/a{2}+|possessive quantifier '}+' is not supported (RE2 syntax)",
      "(?>ab)c|atomic group (?>...) is not supported (RE2 syntax)"})
  void refusesJavaOnlyConstructsNamingThem(String regex, String construct) {
    assertThatThrownBy(() -> Re2Syntax.validate(regex, FIELD))
        .isInstanceOf(InvalidFieldException.class)
        .hasMessageContaining(construct)
        .satisfies(e -> assertThat(((InvalidFieldException) e).field()).isEqualTo(FIELD));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/(a", "/[a", "a{1001}", "\\p{javaLowerCase}", "*a", "a**", "\\Z"})
  void refusesWhatRe2CannotCompileWithItsReason(String regex) {
    assertThatThrownBy(() -> Re2Syntax.validate(regex, FIELD))
        .isInstanceOf(InvalidFieldException.class)
        .hasMessageContaining("(RE2 syntax)")
        .satisfies(e -> assertThat(((InvalidFieldException) e).field()).isEqualTo(FIELD));
  }

  @Test
  void ignoresConstructsInsideClassesAndEscapes() {
    assertThat(Re2Syntax.javaOnlyConstruct("[(?<=]x")).isEmpty();
    assertThat(Re2Syntax.javaOnlyConstruct("\\(?=x")).isEmpty();
    assertThat(Re2Syntax.javaOnlyConstruct("[\\1]")).isEmpty();
    assertThat(Re2Syntax.javaOnlyConstruct("[*+]")).isEmpty();
  }

  @Test
  void checksLongPatternsInLinearTime() {
    String nested = "(a+)+".repeat(50) + "b";
    org.assertj.core.api.Assertions.assertThatCode(() -> Re2Syntax.validate(nested, FIELD)).doesNotThrowAnyException();
    long start = System.nanoTime();
    Re2Syntax.validate("[a-z]".repeat(2000), FIELD);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }
}
