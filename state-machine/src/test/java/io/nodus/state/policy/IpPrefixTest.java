package io.nodus.state.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.state.model.InvalidFieldException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpPrefixTest {
  @ParameterizedTest
  @CsvSource({
      "10.0.0.0/8, 10.0.0.0/8",
      "0.0.0.0/0, 0.0.0.0/0",
      "198.51.100.1/32, 198.51.100.1/32",
      "2001:db8::/64, 2001:db8::/64",
      "2001:DB8:0:0:0:0:0:0/32, 2001:db8::/32",
      "::/0, ::/0",
      "::1/128, ::1/128",
      "fe80:0:0:1::/64, fe80:0:0:1::/64",
      "2001:db8:0:0:1:0:0:0/80, 2001:db8:0:0:1::/80",
      "::ffff:192.0.2.0/120, ::ffff:c000:200/120",
      "1:0:0:2:0:0:0:0/64, 1:0:0:2::/64"})
  void parsesAndPrintsCanonicalPrefixes(String text, String canonical) {
    assertThat(IpPrefix.parse(text, "f", false).toString()).isEqualTo(canonical);
  }

  @Test
  void aBareAddressIsAHostPrefixWhereAllowed() {
    assertThat(IpPrefix.parse("20.1.1.1", "f", true).toString()).isEqualTo("20.1.1.1/32");
    assertThat(IpPrefix.parse("2001:db8::1", "f", true).toString()).isEqualTo("2001:db8::1/128");
    assertThatThrownBy(() -> IpPrefix.parse("20.1.1.1", "spec.egress[0].toCIDRSet[0].cidr", false))
        .isInstanceOf(InvalidFieldException.class)
        .satisfies(e -> assertThat(((InvalidFieldException) e).field()).isEqualTo("spec.egress[0].toCIDRSet[0].cidr"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "10.0.0/8", "10.0.0.256/32", "010.0.0.0/8", "a.b.c.d/8",
      "2001:db8::/129", "2001:db8:::/64", "2001::db8::/64", "1:2:3:4:5:6:7:8:9/128", "1:2:3:4:5:6:7/128", "12345::/16",
      "fe80::1%eth0/128", "1.2.3.4::/128", "", "10.0.0.0/-1", " 10.0.0.0/8"})
  void rejectsMalformedPrefixesNamingTheField(String text) {
    assertThatThrownBy(() -> IpPrefix.parse(text, "spec.ingress[0].fromCIDR[3]", true))
        .isInstanceOf(InvalidFieldException.class)
        .satisfies(e -> assertThat(((InvalidFieldException) e).field()).isEqualTo("spec.ingress[0].fromCIDR[3]"));
  }

  @Test
  void rejectsHostBitsSuggestingTheNetwork() {
    assertThatThrownBy(() -> IpPrefix.parse("10.1.2.3/8", "f", false)).hasMessageContaining("host bits").hasMessageContaining("10.0.0.0/8");
    assertThatThrownBy(() -> IpPrefix.parse("2001:db8::1/64", "f", false)).hasMessageContaining("2001:db8::/64");
  }

  @Test
  void containmentRespectsFamilyAndLength() {
    IpPrefix ten = IpPrefix.parse("10.0.0.0/8", "f", false);
    assertThat(ten.contains(IpPrefix.parse("10.96.0.0/12", "f", false))).isTrue();
    assertThat(ten.contains(ten)).isTrue();
    assertThat(ten.contains(IpPrefix.parse("11.0.0.0/8", "f", false))).isFalse();
    assertThat(ten.contains(IpPrefix.parse("0.0.0.0/0", "f", false))).isFalse();
    assertThat(IpPrefix.parse("::/0", "f", false).contains(ten)).isFalse();
    assertThat(IpPrefix.parse("2001:db8::/32", "f", false).contains(IpPrefix.parse("2001:db8:1::/48", "f", false))).isTrue();
    assertThat(IpPrefix.parse("2001:db8::/64", "f", false).contains(IpPrefix.parse("2001:db8:0:1::/64", "f", false))).isFalse();
  }
}
