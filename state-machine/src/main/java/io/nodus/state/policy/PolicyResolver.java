package io.nodus.state.policy;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.policy.PolicyEntry.Direction;
import io.nodus.state.policy.PolicyEntry.L7;
import io.nodus.state.proto.CidrRule;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Entity;
import io.nodus.state.proto.IcmpField;
import io.nodus.state.proto.IcmpRule;
import io.nodus.state.proto.IpFamily;
import io.nodus.state.proto.L7Rules;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import io.nodus.state.proto.PortProtocol;
import io.nodus.state.proto.PortRule;
import io.nodus.state.proto.Protocol;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Resolves the policies that select an endpoint into its policy map entries, with Cilium's
 * meaning:
 *
 * <ul>
 *   <li>A direction is default-deny once a selecting rule has a non-empty allow or deny list for
 *       it ({@code ingress: [{}]} included), unless that rule sets {@code enableDefaultDeny} false
 *       for it. A direction with entries but no default deny gets an allow-all entry, so its
 *       denies still apply and everything else passes.
 *   <li>Peers: endpoint selectors through the {@link SelectorCache} (the empty selector is the
 *       wildcard identity 0); entities through their selectors ({@link Entities}); CIDR and
 *       CIDRSet rules through CIDR identities ({@link SelectorCache#selectCidr}); toServices and
 *       toFQDNs resolve to no peer until Nodus learns services and DNS answers, so such a rule
 *       never allows more than it says.
 *   <li>fromRequires/toRequires of every selecting rule are ANDed into every
 *       fromEndpoints/toEndpoints selector of the same direction and kind (allow requirements
 *       into allow rules, deny requirements into deny rules); as in Cilium they do not narrow
 *       entities, CIDRs or the implicit "any peer" of an L4-only rule.
 *   <li>Ports: an L3 rule without ports allows every protocol and port; an L4 rule without peers
 *       covers every peer; port ranges stay ranges; ANY means TCP, UDP and SCTP; icmps become
 *       entries of protocol 1 (58 for IPv6) whose port is the ICMP type (except type 0, which
 *       would read as the port wildcard and is left out rather than widened).
 *   <li>Deny entries come from ingressDeny/egressDeny and beat allows in the datapath, which
 *       checks every candidate key. The local host may always reach its endpoints (an ingress
 *       allow for identity 1), as Cilium's allow-localhost default; a deny rule naming the host
 *       still wins over it.
 * </ul>
 *
 * <p>Pure function of the image (and of a cache in step with its identities); the agent diffs its
 * result against what is pinned.
 */
public final class PolicyResolver {
  private static final int[] ANY_PROTOCOLS = {Protocol.TCP_VALUE, Protocol.UDP_VALUE, Protocol.SCTP_VALUE};
  private static final int ICMP = 1;
  private static final int ICMPV6 = 58;

  private final SelectorCache cache;
  private final String clusterName;
  /** The selectors this resolution used, and whether it used CIDR rules: what its owner holds. */
  private final Set<EndpointSelector> used = new HashSet<>();
  private boolean cidr;

  private PolicyResolver(SelectorCache cache, String clusterName) {
    this.cache = cache;
    this.clusterName = clusterName;
  }

  /** The policy of an endpoint with {@code labels} under every policy of {@code image}. */
  public static EndpointPolicy resolve(ClusterImage image, LabelSet labels) {
    return resolve(image, labels, SelectorCache.of(image.identities()));
  }

  /**
   * The same, with peer selectors answered by {@code cache}, which must hold the identities of
   * {@code image} (see {@link SelectorCache#sync}). The agent keeps one cache across endpoints
   * and revisions, so resolving an endpoint does not scan every identity for every selector.
   */
  public static EndpointPolicy resolve(ClusterImage image, LabelSet labels, SelectorCache cache) {
    return resolve(image, labels, cache, null);
  }

  /**
   * The same, and {@code owner} (an endpoint) then holds in {@code cache} exactly the selectors
   * this resolution used ({@link SelectorCache#hold}), so that the identity changes that move
   * their selections name it ({@link SelectorCache#ownersOf}); null holds nothing.
   */
  public static EndpointPolicy resolve(ClusterImage image, LabelSet labels, SelectorCache cache, Object owner) {
    PolicyResolver r = new PolicyResolver(cache, image.config().getClusterName());
    EndpointPolicy policy = r.resolveFor(image, labels);
    if (owner != null) {
      cache.hold(owner, r.used, r.cidr);
    }
    return policy;
  }

  /**
   * Whether {@code policy} selects an endpoint with {@code labels}: one of its rules' endpoint
   * selectors matches. A node-selecting (host) rule selects no endpoint: Nodus has no host
   * endpoint yet.
   */
  public static boolean selects(Policy policy, LabelSet labels) {
    for (PolicyRule rule : policy.getRulesList()) {
      if (rule.hasEndpointSelector() && LabelSelectors.matches(rule.getEndpointSelector(), labels)) {
        return true;
      }
    }
    return false;
  }

  private EndpointPolicy resolveFor(ClusterImage image, LabelSet labels) {
    List<PolicyRule> selecting = new ArrayList<>();
    for (Policy policy : image.policies().all()) {
      for (PolicyRule rule : policy.getRulesList()) {
        // The rule of selects(): a host rule selects no endpoint.
        if (rule.hasEndpointSelector() && LabelSelectors.matches(rule.getEndpointSelector(), labels)) {
          selecting.add(rule);
        }
      }
    }
    if (selecting.isEmpty()) {
      return EndpointPolicy.UNENFORCED;
    }
    SortedSet<PolicyEntry> entries = new TreeSet<>();
    boolean ingress = direction(selecting, Direction.INGRESS, entries);
    boolean egress = direction(selecting, Direction.EGRESS, entries);
    if (!ingress && !egress) {
      return EndpointPolicy.UNENFORCED;
    }
    if (ingress) {
      entries.add(new PolicyEntry(ReservedIdentity.HOST.id(), 0, 0, Direction.INGRESS, false));
    }
    return new EndpointPolicy(ingress, egress, mergeL7(entries));
  }

  /** Adds one direction's entries; returns whether the direction is enforced. */
  private boolean direction(List<PolicyRule> selecting, Direction dir, SortedSet<PolicyEntry> out) {
    Function<PolicyRule, List<PeerRule>> allows = dir == Direction.INGRESS ? PolicyRule::getIngressList : PolicyRule::getEgressList;
    Function<PolicyRule, List<PeerRule>> denies = dir == Direction.INGRESS ? PolicyRule::getIngressDenyList : PolicyRule::getEgressDenyList;
    List<EndpointSelector> allowRequires = new ArrayList<>();
    List<EndpointSelector> denyRequires = new ArrayList<>();
    boolean defaultDeny = false;
    for (PolicyRule rule : selecting) {
      allows.apply(rule).forEach(p -> allowRequires.addAll(p.getRequiresList()));
      denies.apply(rule).forEach(p -> denyRequires.addAll(p.getRequiresList()));
      boolean hasRules = !allows.apply(rule).isEmpty() || !denies.apply(rule).isEmpty();
      defaultDeny |= hasRules && defaultDenyEnabled(rule, dir);
    }
    SortedSet<PolicyEntry> mine = new TreeSet<>();
    for (PolicyRule rule : selecting) {
      emit(allows.apply(rule), dir, false, allowRequires, mine);
      emit(denies.apply(rule), dir, true, denyRequires, mine);
    }
    if (!defaultDeny && !mine.isEmpty()) {
      // Rules that opted out of default deny: everything passes except what they deny.
      mine.add(new PolicyEntry(ReservedIdentity.ANY, 0, 0, dir, false));
    }
    out.addAll(mine);
    return defaultDeny || !mine.isEmpty();
  }

  private static boolean defaultDenyEnabled(PolicyRule rule, Direction dir) {
    if (!rule.hasEnableDefaultDeny()) {
      return true;
    }
    var d = rule.getEnableDefaultDeny();
    return dir == Direction.INGRESS ? !d.hasIngress() || d.getIngress() : !d.hasEgress() || d.getEgress();
  }

  private void emit(List<PeerRule> rules, Direction dir, boolean deny, List<EndpointSelector> requires,
      SortedSet<PolicyEntry> out) {
    for (PeerRule rule : rules) {
      SortedSet<Integer> peers = peers(rule, requires);
      if (peers.isEmpty()) {
        continue;
      }
      List<PolicyEntry> ports = ports(rule, dir, deny);
      for (int peer : peers) {
        if (ports.isEmpty()) {
          out.add(new PolicyEntry(peer, 0, 0, 0, dir, deny));
          continue;
        }
        for (PolicyEntry p : ports) {
          out.add(new PolicyEntry(peer, p.port(), p.endPort(), p.protocol(), dir, deny, p.l7()));
        }
      }
    }
  }

  /** The port part of a rule as entries with identity 0; empty means every port. */
  private static List<PolicyEntry> ports(PeerRule rule, Direction dir, boolean deny) {
    List<PolicyEntry> out = new ArrayList<>();
    for (PortRule pr : rule.getToPortsList()) {
      L7 l7 = deny || !pr.hasRules() ? L7.NONE : l7Of(pr.getRules());
      for (PortProtocol pp : pr.getPortsList()) {
        int last = pp.getEndPort() == 0 ? pp.getPort() : pp.getEndPort();
        int[] protocols = pp.getProtocol() == Protocol.PROTOCOL_ANY ? ANY_PROTOCOLS : new int[] {pp.getProtocolValue()};
        for (int proto : protocols) {
          out.add(new PolicyEntry(0, pp.getPort(), last, proto, dir, deny, l7));
        }
      }
    }
    for (IcmpRule icmp : rule.getIcmpsList()) {
      for (IcmpField f : icmp.getFieldsList()) {
        // Type 0 (IPv4 echo reply) would be port 0, the map's wildcard, and so allow (or deny)
        // every ICMP type: it gets no entry instead. Echo replies to allowed pings pass through
        // connection tracking.
        if (f.getType() == 0) {
          continue;
        }
        int proto = f.getFamily() == IpFamily.IP_FAMILY_IPV6 ? ICMPV6 : ICMP;
        out.add(new PolicyEntry(0, f.getType(), f.getType(), proto, dir, deny));
      }
    }
    return out;
  }

  private static L7 l7Of(L7Rules rules) {
    if (rules.getHttpCount() > 0) {
      return L7.HTTP;
    }
    if (rules.getKafkaCount() > 0) {
      return L7.KAFKA;
    }
    return rules.getDnsCount() > 0 ? L7.DNS : L7.NONE;
  }

  /**
   * Identities a rule's peer fields select: 0 (any) for an L4-only rule, nothing for a rule with
   * neither peers nor ports ({@code ingress: [{}]}, or only fromRequires).
   */
  private SortedSet<Integer> peers(PeerRule rule, List<EndpointSelector> requires) {
    SortedSet<Integer> out = new TreeSet<>();
    int l3 = rule.getEndpointsCount() + rule.getCidrsCount() + rule.getCidrSetCount() + rule.getEntitiesCount()
        + rule.getServicesCount() + rule.getFqdnsCount();
    if (l3 == 0) {
      if (rule.getToPortsCount() > 0 || rule.getIcmpsCount() > 0) {
        out.add(ReservedIdentity.ANY);
      }
      return out;
    }
    for (EndpointSelector s : rule.getEndpointsList()) {
      select(LabelSelectors.and(s, requires), out);
    }
    for (Entity e : rule.getEntitiesList()) {
      for (EndpointSelector s : Entities.selectors(e, clusterName)) {
        select(s, out);
      }
    }
    cidr |= rule.getCidrsCount() > 0 || rule.getCidrSetCount() > 0;
    for (String c : rule.getCidrsList()) {
      out.addAll(cache.selectCidr(IpPrefix.parse(c, "", true), List.of()));
    }
    for (CidrRule c : rule.getCidrSetList()) {
      List<IpPrefix> except = c.getExceptList().stream().map(x -> IpPrefix.parse(x, "", true)).toList();
      out.addAll(cache.selectCidr(IpPrefix.parse(c.getCidr(), "", true), except));
    }
    // services and fqdns select nobody yet: never allow (or deny) more than the rule names.
    if (out.contains(ReservedIdentity.ANY)) {
      out.retainAll(List.of(ReservedIdentity.ANY));
    }
    return out;
  }

  private void select(EndpointSelector s, SortedSet<Integer> out) {
    if (LabelSelectors.isWildcard(s)) {
      out.add(ReservedIdentity.ANY);
    } else {
      used.add(s);
      out.addAll(cache.select(s));
    }
  }

  /** At most one allow entry per key: an L7 entry absorbs a plain one (the proxy then allows all). */
  private static SortedSet<PolicyEntry> mergeL7(SortedSet<PolicyEntry> entries) {
    Map<PolicyEntry, PolicyEntry> byKey = new TreeMap<>();
    for (PolicyEntry e : entries) {
      byKey.merge(e.withoutL7(), e, (a, b) -> a.l7().compareTo(b.l7()) >= 0 ? a : b);
    }
    return new TreeSet<>(byKey.values());
  }
}
