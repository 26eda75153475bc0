package io.nodus.state.read;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.EndpointsImage;
import io.nodus.state.image.IdentitiesImage;
import io.nodus.state.image.IpamImage;
import io.nodus.state.image.NodesImage;
import io.nodus.state.image.PoliciesImage;
import io.nodus.state.image.ServicesImage;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.Labels;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.IpamAllocation;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.Node;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.Resource;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.proto.Service;
import io.nodus.state.proto.ServiceFrontend;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ResourceReadsTest {
  private static Policy policy(String namespace, String name, String... labels) {
    LabelSet.Builder set = LabelSet.newBuilder();
    for (String l : labels) {
      set.addLabels(Labels.parse(l, Labels.SOURCE_K8S));
    }
    return Policy.newBuilder().setNamespace(namespace).setName(name).setKind("CiliumNetworkPolicy").setLabels(set).setRevision(3).build();
  }

  private static ClusterImage withPolicies(List<Policy> policies, long revision) {
    PoliciesImage p = PoliciesImage.EMPTY;
    for (Policy x : policies) {
      p = p.with(x, Set.of());
    }
    return ClusterImage.EMPTY.withPolicies(p).withRevision(revision);
  }

  private static String key(Resource r) {
    return switch (r.getKindCase()) {
      case POLICY -> PoliciesImage.key(r.getPolicy().getNamespace(), r.getPolicy().getName());
      case ENDPOINT -> r.getEndpoint().getName();
      case IDENTITY -> Integer.toString(r.getIdentity().getId());
      case NODE -> r.getNode().getName();
      case SERVICE -> ServicesImage.key(r.getService().getNamespace(), r.getService().getName());
      case IPAM_POOL -> r.getIpamPool().getPool().getName();
      case KIND_NOT_SET -> throw new AssertionError("empty resource");
    };
  }

  /** Follows continue tokens from the first page to the last, checking each page's size. */
  private static List<String> walk(ClusterImage image, ResourceKind kind, String selector, int limit) {
    List<String> keys = new ArrayList<>();
    String token = "";
    for (int pages = 0; pages < 10_000; pages++) {
      ResourcePage page = ResourceReads.list(image, ListQuery.of(kind, selector, limit, token));
      assertThat(page.items()).hasSizeLessThanOrEqualTo(limit);
      assertThat(page.revision()).isEqualTo(image.revision());
      page.items().forEach(r -> keys.add(key(r)));
      if (page.continueToken().isEmpty()) {
        return keys;
      }
      token = page.continueToken();
    }
    throw new AssertionError("the listing did not end");
  }

  @Test
  void pagesWalkEveryPolicyOnceInKeyOrder() {
    Random random = new Random(7);
    List<Policy> policies = new ArrayList<>();
    TreeSet<String> expected = new TreeSet<>();
    for (int i = 0; i < 250; i++) {
      String ns = List.of("", "default", "prod", "a-b").get(random.nextInt(4));
      Policy p = policy(ns, "p" + random.nextInt(1000));
      policies.add(p);
      expected.add(PoliciesImage.key(p.getNamespace(), p.getName()));
    }
    ClusterImage image = withPolicies(policies, 40);
    for (int limit : new int[] {1, 7, 100, expected.size(), 1000}) {
      assertThat(walk(image, ResourceKind.KIND_POLICY, "", limit)).as("limit %d", limit).containsExactlyElementsOf(expected);
    }
    ResourcePage all = ResourceReads.list(image, ListQuery.of(ResourceKind.KIND_POLICY, "", 0, ""));
    assertThat(all.items()).extracting(ResourceReadsTest::key).containsExactlyElementsOf(expected);
    assertThat(all.continueToken()).isEmpty();
    assertThat(all.items()).extracting(Resource::getPolicy).containsExactlyElementsOf(image.policies().sorted());
  }

  @Test
  void aFullLastPageEndsTheListingWhenNoKeyFollows() {
    ClusterImage image = withPolicies(List.of(policy("a", "x"), policy("a", "y")), 5);
    ResourcePage page = ResourceReads.list(image, ListQuery.of(ResourceKind.KIND_POLICY, null, 2, null));
    assertThat(page.items()).hasSize(2);
    assertThat(page.continueToken()).isEmpty();
  }

  @Test
  void eachPageReadsItsOwnRevisionAndResumesAfterTheLastKey() {
    ClusterImage first = withPolicies(List.of(policy("a", "1"), policy("a", "2"), policy("a", "3"), policy("a", "4")), 10);
    ResourcePage one = ResourceReads.list(first, ListQuery.of(ResourceKind.KIND_POLICY, "", 2, ""));
    assertThat(one.items()).extracting(ResourceReadsTest::key).containsExactly("a/1", "a/2");
    // Between the pages: the last key returned is deleted, a key before it and one after it are added.
    ClusterImage later = first.withPolicies(first.policies().without("a", "2").with(policy("a", "0"), Set.of())
        .with(policy("a", "35"), Set.of())).withRevision(12);
    ListQuery next = ListQuery.of(ResourceKind.KIND_POLICY, "", 2, one.continueToken());
    assertThat(next.afterRevision()).isEqualTo(10);
    ResourcePage two = ResourceReads.list(later, next);
    assertThat(two.items()).extracting(ResourceReadsTest::key).containsExactly("a/3", "a/35");
    assertThat(two.revision()).isEqualTo(12);
  }

  @Test
  void aLabelSelectorFiltersPoliciesOnTheirOwnLabels() {
    List<Policy> policies = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      policies.add(policy("default", "p" + (100 + i), "app=" + (i % 3 == 0 ? "web" : "db"), "tier=t" + (i % 2)));
    }
    ClusterImage image = withPolicies(policies, 9);
    assertThat(walk(image, ResourceKind.KIND_POLICY, "app=web", 4)).hasSize(10).allMatch(k -> (Integer.parseInt(k.substring(9)) - 100) % 3 == 0);
    assertThat(walk(image, ResourceKind.KIND_POLICY, "app=web,tier=t0", 3)).containsExactly("default/p100", "default/p106",
        "default/p112", "default/p118", "default/p124");
    assertThat(walk(image, ResourceKind.KIND_POLICY, "k8s:app in (web,db),tier!=t1", 100)).hasSize(15);
    assertThat(walk(image, ResourceKind.KIND_POLICY, "!app", 100)).isEmpty();
    assertThat(walk(image, ResourceKind.KIND_POLICY, "reserved:app=web", 100)).isEmpty();
  }

  @Test
  void endpointsAndIdentitiesSelectOnTheirLabelsAndIdentitiesComeByNumber() {
    EndpointsImage endpoints = EndpointsImage.EMPTY;
    for (String name : List.of("web-2", "db-1", "web-1")) {
      endpoints = endpoints.with(Endpoint.newBuilder().setName(name).setNode("n1")
          .setLabels(LabelSet.newBuilder().addLabels(Labels.label("k8s", "app", name.substring(0, name.indexOf('-'))))).build());
    }
    IdentitiesImage identities = IdentitiesImage.EMPTY;
    for (int id : new int[] {1000, 256, 300}) {
      identities = identities.with(Identity.newBuilder().setId(id)
          .setLabels(LabelSet.newBuilder().addLabels(Labels.label("k8s", "app", "a" + id))).build());
    }
    ClusterImage image = ClusterImage.EMPTY.withEndpoints(endpoints).withIdentities(identities).withRevision(3);
    assertThat(walk(image, ResourceKind.KIND_ENDPOINT, "", 1)).containsExactly("db-1", "web-1", "web-2");
    assertThat(walk(image, ResourceKind.KIND_ENDPOINT, "app=web", 1)).containsExactly("web-1", "web-2");
    // Numeric order, not text order: 9 (reserved) < 256 < 300 < 1000.
    assertThat(walk(image, ResourceKind.KIND_IDENTITY, "", 2)).containsSubsequence("8", "256", "300", "1000").endsWith("1000");
    assertThat(walk(image, ResourceKind.KIND_IDENTITY, "reserved:world", 5)).containsExactly("2");
    assertThat(walk(image, ResourceKind.KIND_IDENTITY, "app", 5)).containsExactly("256", "300", "1000");
  }

  @Test
  void nodesAndServicesPageButHaveNoLabelsToSelectOn() {
    NodesImage nodes = NodesImage.EMPTY;
    for (String n : List.of("n3", "n1", "n2")) {
      nodes = nodes.with(Node.newBuilder().setName(n).build());
    }
    ServicesImage services = ServicesImage.EMPTY;
    for (int i = 1; i <= 3; i++) {
      services = services.with(Service.newBuilder().setNamespace("default").setName("s" + i).setId(i)
          .setFrontend(ServiceFrontend.newBuilder().setIp("10.96.0." + i).setPort(80)).build());
    }
    ClusterImage image = ClusterImage.EMPTY.withNodes(nodes).withServices(services);
    assertThat(walk(image, ResourceKind.KIND_NODE, "", 2)).containsExactly("n1", "n2", "n3");
    assertThat(walk(image, ResourceKind.KIND_SERVICE, " ", 2)).containsExactly("default/s1", "default/s2", "default/s3");
    assertThatThrownBy(() -> ListQuery.of(ResourceKind.KIND_NODE, "app=web", 10, ""))
        .isInstanceOfSatisfying(InvalidFieldException.class, e -> {
          assertThat(e.field()).isEqualTo("labelSelector");
          assertThat(e.getMessage()).contains("nodes have no labels");
        });
    assertThatThrownBy(() -> ListQuery.of(ResourceKind.KIND_SERVICE, "app", 10, ""))
        .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("labelSelector"));
  }

  private static List<String> walk(ClusterImage image, ResourceKind kind, String namespace, String node, int limit) {
    List<String> keys = new ArrayList<>();
    String token = "";
    do {
      ResourcePage page = ResourceReads.list(image, ListQuery.of(kind, "", namespace, node, limit, token));
      assertThat(page.items()).hasSizeLessThanOrEqualTo(limit);
      page.items().forEach(r -> keys.add(key(r)));
      token = page.continueToken();
    } while (!token.isEmpty());
    return keys;
  }

  @Test
  void aNamespaceIsARangeOfPolicyKeysAndEndpointsListByNodeAndNamespace() {
    List<Policy> policies = new ArrayList<>();
    for (String ns : List.of("", "a", "a-b", "a0", "ab", "b")) {
      for (int i = 0; i < 5; i++) {
        policies.add(policy(ns, "p" + i));
      }
    }
    ClusterImage image = withPolicies(policies, 2);
    assertThat(walk(image, ResourceKind.KIND_POLICY, "a", null, 2)).containsExactly("a/p0", "a/p1", "a/p2", "a/p3", "a/p4");
    assertThat(walk(image, ResourceKind.KIND_POLICY, "", null, 3)).containsExactly("/p0", "/p1", "/p2", "/p3", "/p4");
    assertThat(walk(image, ResourceKind.KIND_POLICY, "b", null, 5)).containsExactly("b/p0", "b/p1", "b/p2", "b/p3", "b/p4");
    assertThat(walk(image, ResourceKind.KIND_POLICY, "c", null, 5)).isEmpty();
    // The last page of a namespace ends the listing even when other namespaces follow.
    ResourcePage page = ResourceReads.list(image, ListQuery.of(ResourceKind.KIND_POLICY, "", "a", null, 5, ""));
    assertThat(page.items()).hasSize(5);
    assertThat(page.continueToken()).isEmpty();

    EndpointsImage endpoints = EndpointsImage.EMPTY;
    for (int i = 0; i < 12; i++) {
      endpoints = endpoints.with(Endpoint.newBuilder().setName("e" + (10 + i)).setNode("n" + (i % 3)).setNamespace(i < 6 ? "x" : "y").build());
    }
    ClusterImage eps = ClusterImage.EMPTY.withEndpoints(endpoints);
    assertThat(walk(eps, ResourceKind.KIND_ENDPOINT, null, "n1", 2)).containsExactly("e11", "e14", "e17", "e20");
    assertThat(walk(eps, ResourceKind.KIND_ENDPOINT, "y", "n1", 1)).containsExactly("e17", "e20");
    assertThatThrownBy(() -> ListQuery.of(ResourceKind.KIND_NODE, "", "a", null, 1, ""))
        .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("namespace"));
    assertThatThrownBy(() -> ListQuery.of(ResourceKind.KIND_POLICY, "", null, "n1", 1, ""))
        .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("node"));
  }

  @Test
  void getFindsOneResourceByKeyAndSaysWhatIsMissing() {
    ClusterImage image = withPolicies(List.of(policy("", "wide"), policy("prod", "web")), 4);
    assertThat(ResourceReads.get(image, ResourceKind.KIND_POLICY, "/wide")).map(r -> r.getPolicy().getName()).contains("wide");
    assertThat(ResourceReads.get(image, ResourceKind.KIND_POLICY, "prod/web")).map(r -> r.getPolicy().getName()).contains("web");
    assertThat(ResourceReads.get(image, ResourceKind.KIND_POLICY, "prod/db")).isEmpty();
    assertThat(ResourceReads.get(image, ResourceKind.KIND_IDENTITY, "2")).map(r -> r.getIdentity().getId()).contains(2);
    assertThat(ResourceReads.notFound(ResourceKind.KIND_POLICY, "/db", 4).getMessage()).isEqualTo("no policy named db (cluster-wide)");
    assertThat(ResourceReads.notFound(ResourceKind.KIND_POLICY, "prod/db", 4))
        .satisfies(r -> {
          assertThat(r.getCode()).isEqualTo("not_found");
          assertThat(r.getField()).isEqualTo("name");
          assertThat(r.getMessage()).isEqualTo("no policy named db in namespace prod");
          assertThat(r.getRevision()).isEqualTo(4);
        });
    assertThat(ResourceReads.notFound(ResourceKind.KIND_IDENTITY, "77", 4).getField()).isEqualTo("id");
    assertThatThrownBy(() -> ResourceReads.get(image, ResourceKind.KIND_IDENTITY, "+2"))
        .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("key"));
    assertThatThrownBy(() -> ResourceReads.get(image, ResourceKind.KIND_MEMBER, "x"))
        .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("kind"));
  }

  @Test
  void ipamPoolsListTheDefaultPoolFirstAndAKeyedReadGivesTheAllocations() {
    IpamImage ipam = IpamImage.EMPTY;
    for (String name : List.of("zeta", "alpha", "mid")) {
      ipam = ipam.withPool(IpamPool.newBuilder().setName(name).setCidr("10.1.0.0/16").setBlockPrefix(24).build());
    }
    for (String cidr : List.of("10.1.2.0/24", "10.1.0.0/24", "10.1.1.0/24")) {
      ipam = ipam.allocated(IpamAllocation.newBuilder().setPool("mid").setCidr(cidr).setOwner("o-" + cidr).build());
    }
    ipam = ipam.allocated(IpamAllocation.newBuilder().setPool(IpamImage.DEFAULT_POOL).setCidr("10.0.0.0/24").setOwner("node:a").build());
    ClusterImage image = ClusterImage.EMPTY.withIpam(ipam).withRevision(9);
    for (int limit : new int[] {1, 2, 3, 4, 5}) {
      assertThat(walk(image, ResourceKind.KIND_IPAM, "", limit)).containsExactly("default", "alpha", "mid", "zeta");
    }
    // A listing counts the allocations; a keyed read carries them, by address.
    ResourcePage page = ResourceReads.list(image, ListQuery.of(ResourceKind.KIND_IPAM, "", 0, ""));
    assertThat(page.items()).extracting(r -> r.getIpamPool().getAllocated()).containsExactly(1, 0, 3, 0);
    assertThat(page.items()).allSatisfy(r -> assertThat(r.getIpamPool().getAllocationsList()).isEmpty());
    assertThat(page.items().get(0).getIpamPool().getPool().getCidr()).isEqualTo(ClusterImage.DEFAULT_CONFIG.getPodCidrPool());
    assertThat(ResourceReads.get(image, ResourceKind.KIND_IPAM, "mid")).hasValueSatisfying(r -> {
      assertThat(r.getIpamPool().getAllocated()).isEqualTo(3);
      assertThat(r.getIpamPool().getAllocationsList()).extracting(IpamAllocation::getCidr)
          .containsExactly("10.1.0.0/24", "10.1.1.0/24", "10.1.2.0/24");
    });
    assertThat(ResourceReads.get(image, ResourceKind.KIND_IPAM, "default")).map(r -> r.getIpamPool().getAllocated()).contains(1);
    assertThat(ResourceReads.get(image, ResourceKind.KIND_IPAM, "nope")).isEmpty();
    assertThat(ResourceReads.notFound(ResourceKind.KIND_IPAM, "nope", 9).getMessage()).isEqualTo("no pool named nope");
    assertThatThrownBy(() -> ListQuery.of(ResourceKind.KIND_IPAM, "app=web", 10, ""))
        .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.getMessage()).contains("IPAM pools have no labels"));
  }

  @Test
  void limitsOutsideOneToAThousandAreRefusedNamingLimit() {
    for (int limit : new int[] {-1, 1001, Integer.MAX_VALUE}) {
      assertThatThrownBy(() -> ListQuery.of(ResourceKind.KIND_POLICY, "", limit, ""))
          .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("limit"));
    }
  }

  @Test
  void aMalformedOrBorrowedTokenIsRefusedNamingContinue() {
    ClusterImage image = withPolicies(List.of(policy("a", "1"), policy("a", "2")), 8);
    String token = ResourceReads.list(image, ListQuery.of(ResourceKind.KIND_POLICY, "", 1, "")).continueToken();
    assertThat(token).isNotEmpty();
    for (String bad : List.of("x", "not a token!", token.substring(0, token.length() - 1), token + "A", token + "=", "AAAA",
        ContinueTokens.encode(ResourceKind.KIND_POLICY, "", 8), "a".repeat(5000))) {
      assertThatThrownBy(() -> ListQuery.of(ResourceKind.KIND_POLICY, "", 1, bad)).as(bad)
          .isInstanceOfSatisfying(InvalidFieldException.class, e -> {
            assertThat(e.field()).isEqualTo("continue");
            assertThat(e.code()).isEqualTo("invalid_argument");
          });
    }
    assertThatThrownBy(() -> ListQuery.of(ResourceKind.KIND_ENDPOINT, "", 1, token))
        .isInstanceOfSatisfying(InvalidFieldException.class, e -> {
          assertThat(e.field()).isEqualTo("continue");
          assertThat(e.getMessage()).contains("continues a listing of policies, not of endpoints");
        });
    assertThatThrownBy(() -> ListQuery.of(ResourceKind.KIND_IDENTITY, "", 1, ContinueTokens.encode(ResourceKind.KIND_IDENTITY, "web", 1)))
        .isInstanceOfSatisfying(InvalidFieldException.class, e -> assertThat(e.field()).isEqualTo("continue"));
  }
}
