package io.nodus.rest.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.state.model.InvalidFieldException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyDocumentsTest {
  private static final String ONE = """
      apiVersion: cilium.io/v2
      kind: CiliumNetworkPolicy
      metadata: {name: one}
      spec: {endpointSelector: {}, ingress: [{}]}
      """;
  private static final String TWO = ONE.replace("name: one", "name: two");

  @Test
  void aSingleDocumentComesBackWholeMarkersAndCommentsIncluded() {
    String text = "---\n# the only policy\n" + ONE + "...\n";
    assertThat(PolicyDocuments.split(text)).containsExactly(text);
    assertThat(PolicyDocuments.parse(text, PolicyDocuments.YAML).getName()).isEqualTo("one");
  }

  @Test
  void severalDocumentsAreCutApartAndEmptyOnesDropped() {
    List<String> docs = PolicyDocuments.split("# header\n---\n" + ONE + "--- # second\n" + TWO + "---\n# nothing here\n---\n");
    assertThat(docs).hasSize(2);
    assertThat(PolicyDocuments.parse(docs.get(0), PolicyDocuments.YAML).getName()).isEqualTo("one");
    assertThat(PolicyDocuments.parse(docs.get(1), PolicyDocuments.YAML).getName()).isEqualTo("two");
  }

  @Test
  void aMultiDocumentBodyIsRefusedAsAWhole() {
    assertThatThrownBy(() -> PolicyDocuments.parse(ONE + "---\n" + TWO, PolicyDocuments.YAML))
        .isInstanceOf(InvalidFieldException.class).hasMessageContaining("2 documents");
  }

  @Test
  void malformedYamlInAnyDocumentIsAnError() {
    assertThatThrownBy(() -> PolicyDocuments.split(ONE + "---\nkind: [unclosed\n"))
        .isInstanceOf(InvalidFieldException.class).hasMessageContaining("malformed YAML");
  }

  @Test
  void theLegacyTopLevelDescriptionAppliesToEveryRuleWithoutItsOwn() {
    var p = PolicyDocuments.parse("""
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        description: "legacy"
        metadata: {name: d}
        specs:
        - endpointSelector: {}
        - endpointSelector: {}
          description: own
        """, PolicyDocuments.YAML);
    assertThat(p.getRulesList()).extracting(r -> r.getDescription()).containsExactly("legacy", "own");
  }
}
