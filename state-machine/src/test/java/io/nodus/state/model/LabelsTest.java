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
}
