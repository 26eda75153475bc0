package io.nodus.state.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrTest {

  @Test
  void parsesAndFormatsCanonically() {
    Cidr c = Cidr.parse("10.200.0.0/16", "f");
    assertThat(c.toString()).isEqualTo("10.200.0.0/16");
    assertThat(c.size()).isEqualTo(65536);
    assertThat(c.subnet(24, 3).toString()).isEqualTo("10.200.3.0/24");
    assertThat(c.contains(Ipv4.parse("10.200.77.1", "f"))).isTrue();
    assertThat(c.contains(Ipv4.parse("10.201.0.1", "f"))).isFalse();
    assertThat(Cidr.parse("0.0.0.0/0", "f").contains(Ipv4.parse("1.2.3.4", "f"))).isTrue();
  }

  @Test
  void rejectsHostBitsAndBadLengthsNamingTheField() {
    assertThatThrownBy(() -> Cidr.parse("10.200.0.1/16", "spec.cidr"))
        .isInstanceOf(InvalidFieldException.class)
        .hasMessageContaining("did you mean 10.200.0.0/16");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33", "spec.cidr")).hasMessageContaining("prefix length");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0", "spec.cidr")).hasMessageContaining("not a CIDR");
  }

  @Test
  void ipv4ParsingIsStrict() {
    assertThat(Ipv4.format(Ipv4.parse("192.168.1.254", "f"))).isEqualTo("192.168.1.254");
    assertThat(Ipv4.isValid("01.2.3.4")).isFalse();
    assertThat(Ipv4.isValid("1.2.3")).isFalse();
    assertThat(Ipv4.isValid("1.2.3.256")).isFalse();
    assertThat(Ipv4.isValid("1.2.3.4 ")).isFalse();
  }
}
