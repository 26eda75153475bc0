package io.nodus.state.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.state.proto.Label;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabelsTest {

  @Test
  void parsesSourceKeyAndValue() {
    assertThat(Labels.parse("k8s:app=web", "x")).isEqualTo(Labels.label("k8s", "app", "web"));
    assertThat(Labels.parse("app=web", "k8s")).isEqualTo(Labels.label("k8s", "app", "web"));
    assertThat(Labels.parse("reserved:host", "k8s")).isEqualTo(Labels.label("reserved", "host", ""));
    assertThat(Labels.parse("app.kubernetes.io/name=a:b", "k8s")).isEqualTo(Labels.label("k8s", "app.kubernetes.io/name", "a:b"));
  }

  @Test
  void formatsWithoutEmptyValue() {
    assertThat(Labels.format(Labels.label("reserved", "world", ""))).isEqualTo("reserved:world");
    assertThat(Labels.format(Labels.label("k8s", "app", "web"))).isEqualTo("k8s:app=web");
  }

  @Test
  void canonicalSortsAndDropsExactDuplicates() {
    List<Label> in = List.of(Labels.label("k8s", "b", "1"), Labels.label("k8s", "a", "2"), Labels.label("k8s", "b", "1"));
    assertThat(Labels.canonical(in, "labels").getLabelsList())
        .containsExactly(Labels.label("k8s", "a", "2"), Labels.label("k8s", "b", "1"));
  }

  @Test
  void rejectsTheSameKeyWithTwoValues() {
    List<Label> in = List.of(Labels.label("k8s", "a", "1"), Labels.label("k8s", "a", "2"));
    assertThatThrownBy(() -> Labels.canonical(in, "labels"))
        .isInstanceOf(InvalidFieldException.class)
        .satisfies(e -> assertThat(((InvalidFieldException) e).field()).isEqualTo("labels"));
  }

  @Test
  void rejectsInvalidKeysValuesAndSources() {
    assertThatThrownBy(() -> Labels.validateUserLabel(Labels.label("k8s", "-bad", "x"), "labels[0]"))
        .hasMessageContaining("-bad");
    assertThatThrownBy(() -> Labels.validateUserLabel(Labels.label("k8s", "ok", "bad value"), "labels[0]"))
        .hasMessageContaining("bad value");
    assertThatThrownBy(() -> Labels.validateUserLabel(Labels.label("reserved", "host", ""), "labels[0]"))
        .hasMessageContaining("source 'reserved'");
    assertThatThrownBy(() -> Labels.validateKey("a".repeat(64), "k")).hasMessageContaining("63");
    Labels.validateKey("app.kubernetes.io/name", "k");
    Labels.validateKey("io.kubernetes.pod.namespace", "k");
  }

  /** The Kubernetes syntax as regular expressions: the hand-written checks must agree with them. */
  private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final java.util.regex.Pattern VALUE = java.util.regex.Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  private static final java.util.regex.Pattern PREFIX =
      java.util.regex.Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  @net.jqwik.api.Property(tries = 3000)
  void theSyntaxChecksAgreeWithTheKubernetesPatterns(@net.jqwik.api.ForAll("syntax") String s) {
    assertThat(Labels.isNameOrValue(s)).as(s).isEqualTo(VALUE.matcher(s).matches());
    assertThat(!s.isEmpty() && Labels.isNameOrValue(s)).as(s).isEqualTo(NAME.matcher(s).matches());
    assertThat(Labels.isDnsSubdomain(s)).as(s).isEqualTo(PREFIX.matcher(s).matches());
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> syntax() {
    return net.jqwik.api.Arbitraries.strings().withChars("aZ09-_./ é:").ofMaxLength(8);
  }
}
