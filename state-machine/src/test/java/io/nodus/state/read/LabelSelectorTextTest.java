package io.nodus.state.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.policy.LabelSelectors;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class LabelSelectorTextTest {
  private static final LabelSet WEB = set(Labels.label("k8s", "app", "web"), Labels.label("k8s", "tier", "front"));
  private static final LabelSet DB = set(Labels.label("k8s", "app", "db"));

  private static LabelSet set(Label... labels) {
    return LabelSet.newBuilder().addAllLabels(List.of(labels)).build();
  }

  private static boolean matches(String selector, LabelSet labels) {
    return LabelSelectors.matches(LabelSelectorText.parse(selector), labels);
  }

  @Test
  void equalityAndExistenceFollowKubectl() {
    assertThat(matches("app=web", WEB)).isTrue();
    assertThat(matches("app==web", WEB)).isTrue();
    assertThat(matches(" app = web , tier=front ", WEB)).isTrue();
    assertThat(matches("app=web,tier=back", WEB)).isFalse();
    assertThat(matches("app!=web", WEB)).isFalse();
    assertThat(matches("app!=web", DB)).isTrue();
    assertThat(matches("tier!=front", DB)).as("!= holds where the label is absent").isTrue();
    assertThat(matches("tier", WEB)).isTrue();
    assertThat(matches("tier", DB)).isFalse();
    assertThat(matches("!tier", DB)).isTrue();
    assertThat(matches("", DB)).isTrue();
  }

  @Test
  void setBasedRequirementsAndSources() {
    assertThat(matches("app in (web, db)", DB)).isTrue();
    assertThat(matches("app notin (web,db)", DB)).isFalse();
    assertThat(matches("app in (web),tier in (front)", WEB)).isTrue();
    assertThat(matches("k8s:app=web", WEB)).isTrue();
    assertThat(matches("docker:app=web", WEB)).isFalse();
    EndpointSelector s = LabelSelectorText.parse("app=web");
    assertThat(s.getMatchLabels(0)).isEqualTo(Labels.label("any", "app", "web"));
  }

  @Test
  void malformedSelectorsAreRefusedNamingLabelSelector() {
    for (String bad : List.of("app=web,", ",app", "app in (web", "app in web)", "app within (a)", "app=we b", "bogus:app=web",
        "=web", "app=-x", "a".repeat(5000))) {
      assertThatThrownBy(() -> LabelSelectorText.parse(bad)).as(bad)
          .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("labelSelector"));
    }
  }
}
