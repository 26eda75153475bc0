package io.nodus.state.image;

import static io.nodus.state.policy.PolicyFixtures.cidrSet;
import static io.nodus.state.policy.PolicyFixtures.cnp;
import static io.nodus.state.policy.PolicyFixtures.endpoints;
import static io.nodus.state.policy.PolicyFixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.nodus.state.model.Cidr;
import io.nodus.state.policy.CidrIdentities;
import io.nodus.state.proto.Policy;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StoredPolicyTest {
  private static Policy policy(String document) {
    return cnp("web", "prod", rule("app=web").addEgress(cidrSet("10.0.0.0/8", "10.1.0.0/16")).addIngress(endpoints("app=db")))
        .toBuilder().setOriginalDocument(document).setRevision(7).build();
  }

  @Test
  void keepsThePolicyEncodedAndGivesBackAnEqualMessageParsedOnce() {
    Policy p = policy("kind: CiliumNetworkPolicy");
    StoredPolicy stored = StoredPolicy.of(p, CidrIdentities.prefixes(p));
    assertThat(stored.policy()).isEqualTo(p);
    assertThat(stored.policy()).isSameAs(stored.policy());
    assertThat(stored.toByteArray()).isEqualTo(p.toByteArray());
    // The store gets a copy: nothing it does can change the image.
    stored.toByteArray()[0] ^= 1;
    assertThat(stored.policy()).isEqualTo(p);
    assertThat(stored).isEqualTo(StoredPolicy.of(p, CidrIdentities.prefixes(p))).hasSameHashCodeAs(StoredPolicy.of(p, Set.of()));
    assertThat(stored).isNotEqualTo(StoredPolicy.of(p.toBuilder().setRevision(8).build(), CidrIdentities.prefixes(p)));
  }

  @Test
  void knowsItsPrefixesAndTellsADifferentDocumentWithoutParsing() {
    Policy p = policy("kind: CiliumNetworkPolicy");
    StoredPolicy stored = StoredPolicy.of(p, CidrIdentities.prefixes(p));
    assertThat(stored.prefixes()).containsExactlyInAnyOrder(Cidr.parse("10.0.0.0/8", ""), Cidr.parse("10.1.0.0/16", ""));
    assertThat(stored.mayHaveDocumentOf(policy("kind: CiliumNetworkPolicy"))).isTrue();
    assertThat(stored.mayHaveDocumentOf(policy("kind: CiliumNetworkPolicy "))).isFalse();
    assertThat(stored.mayHaveDocumentOf(p.toBuilder().setOriginalDocumentBytes(ByteString.EMPTY).build())).isFalse();
  }

  @Test
  void theImageListsPoliciesParsedAndAsKept() {
    Policy a = policy("a");
    Policy b = cnp("api", "prod", rule("app=api")).toBuilder().setOriginalDocument("b").build();
    PoliciesImage image = PoliciesImage.EMPTY.with(a, CidrIdentities.prefixes(a)).with(b, CidrIdentities.prefixes(b));
    assertThat(image.sorted()).containsExactly(b, a);
    assertThat(image.all()).containsExactlyInAnyOrder(a, b);
    assertThat(image.byKey().values()).extracting(StoredPolicy::policy).containsExactlyElementsOf(image.all());
    assertThat(image.stored("prod", "api")).map(StoredPolicy::prefixes).contains(Set.of());
    assertThat(image.without("prod", "web").get("prod", "web")).isEmpty();
  }
}
