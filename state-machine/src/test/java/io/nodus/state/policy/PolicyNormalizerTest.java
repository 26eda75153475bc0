package io.nodus.state.policy;

import static io.nodus.state.policy.PolicyFixtures.ccnp;
import static io.nodus.state.policy.PolicyFixtures.cidrSet;
import static io.nodus.state.policy.PolicyFixtures.cidrs;
import static io.nodus.state.policy.PolicyFixtures.cnp;
import static io.nodus.state.policy.PolicyFixtures.endpoints;
import static io.nodus.state.policy.PolicyFixtures.in;
import static io.nodus.state.policy.PolicyFixtures.peers;
import static io.nodus.state.policy.PolicyFixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.state.Fixtures;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import org.junit.jupiter.api.Test;

class PolicyNormalizerTest {
  private static final io.nodus.state.proto.Label NS_DEFAULT = Labels.label("k8s", Labels.NAMESPACE_KEY, "default");

  @Test
  void confinesSelectorsAndRequirementsOfANamespacedPolicyToItsNamespace() {
    Policy p = PolicyNormalizer.normalize(cnp("p", "default", rule("app=a")
        .addIngress(endpoints("app=b").addRequires(Fixtures.selector("env=prod")))
        .addEgressDeny(endpoints("app=c"))
        .addEgress(peers().addEndpoints(in(Labels.NAMESPACE_KEY, "kube-system")))
        .addEgress(endpoints(LabelSelectors.NAMESPACE_LABELS_PREFIX + "team=ops"))));
    PolicyRule r = p.getRules(0);
    assertThat(r.getEndpointSelector().getMatchLabelsList()).contains(NS_DEFAULT);
    assertThat(r.getIngress(0).getEndpoints(0).getMatchLabelsList()).contains(NS_DEFAULT);
    assertThat(r.getIngress(0).getRequires(0).getMatchLabelsList()).contains(NS_DEFAULT);
    assertThat(r.getEgressDeny(0).getEndpoints(0).getMatchLabelsList()).contains(NS_DEFAULT);
    assertThat(r.getEgress(0).getEndpoints(0).getMatchLabelsList()).doesNotContain(NS_DEFAULT);
    assertThat(r.getEgress(1).getEndpoints(0).getMatchLabelsList()).doesNotContain(NS_DEFAULT);
    assertThat(PolicyNormalizer.normalize(p)).isEqualTo(p);
  }

  @Test
  void leavesClusterwideSelectorsAloneAndCanonicalizesCidrs() {
    Policy p = PolicyNormalizer.normalize(ccnp("p", rule("app=a")
        .addEgress(peers().addEndpoints(EndpointSelector.getDefaultInstance()))
        .addEgress(cidrs("10.0.0.1", "2001:DB8:0::/48"))
        .addEgressDeny(cidrSet("2001:db8:0:0::/32", "2001:db8:0:0:0:0:0:1/128"))));
    PolicyRule r = p.getRules(0);
    assertThat(r.getEndpointSelector()).isEqualTo(Fixtures.selector("app=a"));
    assertThat(r.getEgress(0).getEndpoints(0)).isEqualTo(EndpointSelector.getDefaultInstance());
    assertThat(r.getEgress(1).getCidrsList()).containsExactly("10.0.0.1/32", "2001:db8::/48");
    assertThat(r.getEgressDeny(0).getCidrSet(0).getCidr()).isEqualTo("2001:db8::/32");
    assertThat(r.getEgressDeny(0).getCidrSet(0).getExceptList()).containsExactly("2001:db8::1/128");
    assertThat(PolicyNormalizer.normalize(p)).isEqualTo(p);
  }
}
