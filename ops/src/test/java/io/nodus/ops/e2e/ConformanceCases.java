package io.nodus.ops.e2e;

import java.util.List;
import java.util.Map;

/**
 * For every L3/L4-enforceable policy of the conformance corpus: endpoints whose labels match its
 * selectors, and flows that must pass or be dropped under Cilium's meaning of the policy. A flow
 * names endpoints by their short name, {@code host} for the node itself, or {@code ip:ADDR} for an
 * address outside the cluster (world, or a CIDR rule's prefix). L7 rules are enforced at L4 (the
 * port); toFQDNs and toServices select no peer until Nodus resolves names and services.
 */
final class ConformanceCases {
  private ConformanceCases() {}

  /** An endpoint of a case: short name, namespace, labels. */
  record Ep(String name, String namespace, Map<String, String> labels) {}

  /** A flow: from, to, "tcp/80" or "udp/53", and whether it must pass. */
  record Flow(String from, String to, String l4, boolean pass) {
    String proto() {
      return l4.substring(0, l4.indexOf('/'));
    }

    int port() {
      return Integer.parseInt(l4.substring(l4.indexOf('/') + 1));
    }

    @Override
    public String toString() {
      return (pass ? "pass " : "drop ") + from + " -> " + to + " " + l4;
    }
  }

  /** One corpus file, relative to the conformance folder, and what enforcing it means. */
  record Case(String file, List<Ep> endpoints, List<Flow> flows) {}

  private static Ep ep(String name, String... kv) {
    return epIn(name, "default", kv);
  }

  private static Ep epIn(String name, String namespace, String... kv) {
    Map<String, String> labels = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      labels.put(kv[i], kv[i + 1]);
    }
    return new Ep(name, namespace, labels);
  }

  private static Flow pass(String from, String to, String l4) {
    return new Flow(from, to, l4, true);
  }

  private static Flow drop(String from, String to, String l4) {
    return new Flow(from, to, l4, false);
  }

  private static Case c(String file, List<Ep> eps, Flow... flows) {
    return new Case(file, eps, List.of(flows));
  }

  private static final String NS_LABEL = "io.cilium.k8s.namespace.labels.";
  private static final String EX = "cilium/examples/";
  private static final String CLI = "cilium/cilium-cli/connectivity/builder/manifests/";
  private static final String AHMET = "k8s-netpol/ahmetb/";
  private static final String K8S = "k8s-netpol/kubernetes-website/";
  private static final String WORLD = "ip:198.51.100.1";

  static final List<Case> ALL = List.of(
      c(EX + "kubernetes-kafka/kafka-sw-security-policy.yaml",
          List.of(ep("kafka", "app", "kafka"), ep("hq", "app", "empire-hq"), ep("other", "app", "other")),
          pass("hq", "kafka", "tcp/9092"), drop("hq", "kafka", "tcp/9093"), drop("other", "kafka", "tcp/9092")),
      c(EX + "minikube/sw_deny_policy.yaml",
          List.of(ep("ds", "org", "empire", "class", "deathstar"), ep("xw", "org", "alliance")),
          pass("ds", "xw", "tcp/80"), drop("xw", "ds", "tcp/80")),
      c(EX + "minikube/sw_l3_l4_l7_policy.yaml",
          List.of(ep("ds", "org", "empire", "class", "deathstar"), ep("tie", "org", "empire", "class", "tiefighter"),
              ep("xw", "org", "alliance", "class", "xwing")),
          pass("tie", "ds", "tcp/80"), drop("xw", "ds", "tcp/80"), drop("tie", "ds", "tcp/81")),
      c(EX + "policies/getting-started/kafka.yaml",
          List.of(ep("kafka", "app", "kafka"), ep("outpost", "app", "empire-outpost"), ep("hq", "app", "empire-hq")),
          pass("outpost", "kafka", "tcp/9092"), drop("hq", "kafka", "tcp/9092")),
      c(EX + "policies/kubernetes/clusterwide/clusterscope-policy.yaml",
          List.of(ep("leia", "name", "leia"), ep("luke", "name", "luke"), ep("vader", "name", "vader")),
          pass("luke", "leia", "tcp/80"), drop("vader", "leia", "tcp/80")),
      c(EX + "policies/l3/cidr/cidr.yaml", List.of(ep("svc", "app", "myService")),
          pass("svc", "ip:20.1.1.1", "tcp/80"), pass("svc", "ip:10.0.0.5", "tcp/80"),
          drop("svc", "ip:10.96.0.5", "tcp/80"), drop("svc", "ip:20.1.1.2", "tcp/80")),
      c(EX + "policies/l3/egress-deny/egress-deny.yaml",
          List.of(ep("fe", "role", "frontend"), ep("be", "role", "backend"), ep("other", "role", "other")),
          pass("fe", "other", "tcp/80"), drop("fe", "be", "tcp/80")),
      c(EX + "policies/l3/entities/from_world_deny.yaml", List.of(ep("a", "app", "a"), ep("b", "app", "b")),
          pass("a", "b", "tcp/80"), drop(WORLD, "b", "tcp/80")),
      c(EX + "policies/l3/entities/host.yaml", List.of(ep("dev", "env", "dev"), ep("other", "env", "test")),
          pass("dev", "host", "tcp/18081"), drop("dev", "other", "tcp/80")),
      c(EX + "policies/l3/entities/world.yaml", List.of(ep("pub", "role", "public"), ep("other", "role", "x")),
          pass(WORLD, "pub", "tcp/80"), drop("other", "pub", "tcp/80")),
      c(EX + "policies/l3/fqdn/fqdn.yaml",
          List.of(ep("app", "app", "test-app"), epIn("dns", "kube-system", "k8s-app", "kube-dns"), ep("other", "app", "other")),
          pass("app", "dns", "udp/53"), drop("app", "other", "tcp/80")),
      c(EX + "policies/l3/requires/requires.yaml",
          List.of(ep("prod", "env", "prod"), ep("prod2", "env", "prod"), ep("dev", "env", "dev")),
          pass("prod", "dev", "tcp/80"), drop("prod2", "prod", "tcp/80"), drop("dev", "prod", "tcp/80")),
      c(EX + "policies/l3/service/service.yaml", List.of(ep("app2", "id", "app2"), ep("other", "id", "other")),
          pass("other", "app2", "tcp/80"), drop("app2", "other", "tcp/80")),
      c(EX + "policies/l3/simple/l3.yaml",
          List.of(ep("be", "role", "backend"), ep("fe", "role", "frontend"), ep("other", "role", "x")),
          pass("fe", "be", "tcp/8080"), drop("other", "be", "tcp/8080")),
      c(EX + "policies/l4/l3_l4_combined.yaml",
          List.of(ep("be", "role", "backend"), ep("fe", "role", "frontend"), ep("other", "role", "x")),
          pass("fe", "be", "tcp/80"), drop("fe", "be", "tcp/8080"), drop("other", "be", "tcp/80")),
      c(EX + "policies/l4/l4.yaml", List.of(ep("svc", "app", "myService"), ep("peer", "app", "peer")),
          pass("svc", "peer", "tcp/80"), drop("svc", "peer", "tcp/81")),
      c(EX + "policies/l4/l4_port_range.yaml", List.of(ep("svc", "app", "myService"), ep("peer", "app", "peer")),
          pass("svc", "peer", "tcp/80"), pass("svc", "peer", "tcp/443"), drop("svc", "peer", "tcp/445"),
          drop("svc", "peer", "tcp/79")),
      c(EX + "policies/l7/http/http.yaml", List.of(ep("svc", "app", "myService"), ep("client", "app", "c")),
          pass("client", "svc", "tcp/80"), drop("client", "svc", "tcp/81")),
      c(EX + "policies/l7/http/simple/l7.yaml",
          List.of(ep("svc", "app", "service"), ep("prod", "env", "prod"), ep("dev", "env", "dev")),
          pass("prod", "svc", "tcp/80"), drop("dev", "svc", "tcp/80")),
      c(EX + "policies/l7/kafka/kafka-role.yaml",
          List.of(ep("kafka", "app", "kafka"), ep("hq", "app", "empire-hq"), ep("other", "app", "other")),
          pass("hq", "kafka", "tcp/9092"), drop("other", "kafka", "tcp/9092")),
      c(EX + "policies/l7/kafka/kafka.yaml",
          List.of(ep("kafka", "app", "kafka"), ep("hq", "app", "empire-hq"), ep("other", "app", "other")),
          pass("hq", "kafka", "tcp/9092"), drop("other", "kafka", "tcp/9092")),
      c(CLI + "allow-all-except-world.yaml", List.of(ep("a", "app", "a"), ep("b", "app", "b")),
          pass("a", "b", "tcp/80"), drop("a", WORLD, "tcp/80")),
      c(CLI + "client-egress-l7-http-matchheader-secret.yaml", List.of(ep("c2", "other", "client"), ep("echo", "kind", "echo")),
          pass("c2", "echo", "tcp/8080"), drop("c2", "echo", "tcp/8081")),
      c(CLI + "client-egress-l7-http.yaml", List.of(ep("c2", "other", "client"), ep("echo", "kind", "echo")),
          pass("c2", "echo", "tcp/8080"), drop("c2", "echo", "tcp/80")),
      c(CLI + "client-egress-only-dns.yaml",
          List.of(ep("client", "kind", "client"), epIn("dns", "kube-system", "k8s-app", "kube-dns"), ep("echo", "kind", "echo")),
          pass("client", "dns", "udp/53"), drop("client", "echo", "tcp/8080")),
      c(CLI + "client-egress-to-cidr-external-deny.yaml", List.of(ep("client", "kind", "client"), ep("other", "kind", "other")),
          pass("other", "client", "tcp/80"), drop("client", "ip:198.51.100.2", "tcp/80")),
      c(CLI + "client-egress-to-cidr-external.yaml", List.of(ep("client", "kind", "client")),
          pass("client", WORLD, "tcp/80"), drop("client", "ip:198.51.100.2", "tcp/80")),
      c(CLI + "client-egress-to-echo-deny.yaml",
          List.of(ep("client", "kind", "client"), epIn("echo", "cilium-test", "kind", "echo"), ep("other", "kind", "other")),
          pass("other", "client", "tcp/80"), drop("client", "echo", "tcp/8080")),
      c(CLI + "client-egress-to-echo-knp.yaml", List.of(ep("client", "kind", "client"), ep("echo", "kind", "echo")),
          pass("client", "echo", "tcp/8080"), drop("client", "echo", "tcp/8081")),
      c(CLI + "client-egress-to-echo.yaml", List.of(ep("client", "kind", "client"), epIn("echo", "cilium-test", "kind", "echo")),
          pass("client", "echo", "tcp/8080"), drop("client", "echo", "tcp/8081")),
      c(CLI + "client-egress-to-entities-host.yaml", List.of(ep("client", "kind", "client"), ep("echo", "kind", "echo")),
          pass("client", "host", "tcp/18082"), drop("client", "echo", "tcp/8080")),
      c(CLI + "client-egress-to-entities-world.yaml", List.of(ep("client", "kind", "client")),
          pass("client", WORLD, "tcp/80"), drop("client", WORLD, "tcp/81")),
      c(CLI + "client-egress-to-fqdns.yaml", List.of(ep("client", "kind", "client"), ep("other", "kind", "other")),
          pass("other", "client", "tcp/80"), drop("client", WORLD, "tcp/80")),
      c(CLI + "deny-all-egress.yaml", List.of(ep("a", "app", "a"), epIn("b", "other-ns", "app", "b")),
          pass("b", "a", "tcp/80"), drop("a", "b", "tcp/80")),
      c(CLI + "deny-all-ingress.yaml", List.of(ep("a", "app", "a"), epIn("b", "other-ns", "app", "b")),
          pass("a", "b", "tcp/80"), drop("b", "a", "tcp/80")),
      c(CLI + "echo-ingress-from-other-client.yaml",
          List.of(ep("echo", "kind", "echo"), ep("c2", "other", "client"), ep("c1", "kind", "client")),
          pass("c2", "echo", "tcp/8080"), drop("c1", "echo", "tcp/8080")),
      c(CLI + "echo-ingress-l7-http.yaml",
          List.of(ep("echo", "kind", "echo"), ep("c2", "other", "client"), ep("c1", "kind", "client")),
          pass("c2", "echo", "tcp/8080"), drop("c2", "echo", "tcp/8081"), drop("c1", "echo", "tcp/8080")),
      c(AHMET + "01-deny-all-traffic-to-an-application.yaml", List.of(ep("web", "app", "web"), ep("other", "app", "o")),
          pass("web", "other", "tcp/80"), drop("other", "web", "tcp/80")),
      c(AHMET + "02-limit-traffic-to-an-application.yaml",
          List.of(ep("api", "app", "bookstore", "role", "api"), ep("bs", "app", "bookstore", "role", "x"), ep("other", "app", "o")),
          pass("bs", "api", "tcp/80"), drop("other", "api", "tcp/80")),
      c(AHMET + "02a-allow-all-traffic-to-an-application.yaml", List.of(ep("web", "app", "web"), ep("other", "app", "o")),
          pass("other", "web", "tcp/80"), pass(WORLD, "web", "tcp/80")),
      c(AHMET + "03-deny-all-non-whitelisted-traffic-in-the-namespace.yaml",
          List.of(ep("a", "app", "a"), epIn("b", "other-ns", "app", "b")),
          pass("a", "b", "tcp/80"), drop("b", "a", "tcp/80")),
      c(AHMET + "04-deny-traffic-from-other-namespaces.yaml",
          List.of(ep("a", "app", "a"), ep("a2", "app", "a2"), epIn("b", "other-ns", "app", "b")),
          pass("a2", "a", "tcp/80"), drop("b", "a", "tcp/80")),
      c(AHMET + "05-allow-traffic-from-all-namespaces.yaml", List.of(ep("web", "app", "web"), epIn("b", "other-ns", "app", "b")),
          pass("b", "web", "tcp/80"), drop(WORLD, "web", "tcp/80")),
      c(AHMET + "06-allow-traffic-from-a-namespace.yaml",
          List.of(ep("web", "app", "web"), epIn("p", "prod-ns", NS_LABEL + "purpose", "production"), ep("d", "app", "d")),
          pass("p", "web", "tcp/80"), drop("d", "web", "tcp/80")),
      c(AHMET + "07-allow-traffic-from-some-pods-in-another-namespace.yaml",
          List.of(ep("web", "app", "web"), epIn("mon", "ops-ns", NS_LABEL + "team", "operations", "type", "monitoring"),
              epIn("mon2", "ops-ns", NS_LABEL + "team", "operations", "type", "x")),
          pass("mon", "web", "tcp/80"), drop("mon2", "web", "tcp/80")),
      c(AHMET + "08-allow-external-traffic.yaml", List.of(ep("web", "app", "web"), ep("other", "app", "o")),
          pass(WORLD, "web", "tcp/80"), pass("other", "web", "tcp/80")),
      c(AHMET + "09-allow-traffic-only-to-a-port.yaml",
          List.of(ep("api", "app", "apiserver"), ep("mon", "role", "monitoring"), ep("other", "role", "x")),
          pass("mon", "api", "tcp/5000"), drop("mon", "api", "tcp/5001"), drop("other", "api", "tcp/5000")),
      c(AHMET + "10-allowing-traffic-with-multiple-selectors.yaml",
          List.of(ep("db", "app", "bookstore", "role", "db"), ep("search", "app", "bookstore", "role", "search"),
              ep("inv", "app", "inventory", "role", "web"), ep("x", "app", "inventory", "role", "x")),
          pass("search", "db", "tcp/6379"), pass("inv", "db", "tcp/6379"), drop("x", "db", "tcp/6379")),
      c(AHMET + "11-deny-egress-traffic-from-an-application-1.yaml", List.of(ep("foo", "app", "foo"), ep("other", "app", "o")),
          pass("other", "foo", "tcp/80"), drop("foo", "other", "tcp/80")),
      c(AHMET + "11-deny-egress-traffic-from-an-application-2.yaml",
          List.of(ep("foo", "app", "foo"), epIn("dns", "kube-system", "k8s-app", "kube-dns"), ep("other", "app", "o")),
          pass("foo", "dns", "udp/53"), drop("foo", "other", "tcp/80")),
      c(AHMET + "12-deny-all-non-whitelisted-traffic-from-the-namespace.yaml",
          List.of(ep("a", "app", "a"), epIn("b", "other-ns", "app", "b")),
          pass("b", "a", "tcp/80"), drop("a", "b", "tcp/80")),
      c(AHMET + "14-deny-external-egress-traffic.yaml",
          List.of(ep("foo", "app", "foo"), epIn("dns", "kube-system", "k8s-app", "kube-dns")),
          pass("foo", "dns", "udp/53"), drop("foo", WORLD, "tcp/80")),
      c(K8S + "network-policy-allow-all-ingress.yaml", List.of(ep("a", "app", "a"), epIn("b", "other-ns", "app", "b")),
          pass(WORLD, "a", "tcp/80"), pass("b", "a", "tcp/80")),
      c(K8S + "network-policy-default-deny-all.yaml", List.of(ep("a", "app", "a"), epIn("b", "other-ns", "app", "b")),
          pass("host", "a", "tcp/80"), drop("b", "a", "tcp/80"), drop("a", "b", "tcp/80")),
      c(K8S + "networkpolicy-multiport-egress.yaml", List.of(ep("db", "role", "db")),
          pass("db", "ip:10.0.0.5", "tcp/32100"), drop("db", "ip:10.0.0.5", "tcp/33000")),
      c(K8S + "networkpolicy.yaml",
          List.of(ep("db", "role", "db"), ep("fe", "role", "frontend"), epIn("p", "myproj", NS_LABEL + "project", "myproject"),
              ep("x", "role", "x")),
          pass("fe", "db", "tcp/6379"), pass("ip:172.17.0.5", "db", "tcp/6379"), pass("p", "db", "tcp/6379"),
          drop("ip:172.17.1.5", "db", "tcp/6379"), drop("x", "db", "tcp/6379"), pass("db", "ip:10.0.0.5", "tcp/5978"),
          drop("db", "ip:10.0.0.5", "tcp/5979")));
}
