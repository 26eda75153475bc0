package io.nodus.state.policy;

import io.nodus.state.model.Cidr;
import io.nodus.state.model.Labels;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.proto.CidrRule;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.PeerRule;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.PolicyRule;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * CIDR identities: the local-scope identities ({@code (1 << 24) | n}) that stand for the IPv4
 * prefixes policies name. The agent puts each prefix into the ipcache LPM map with its identity,
 * so the longest matching prefix decides the identity of an outside address.
 *
 * <p>The label set of a CIDR identity is {@code cidr:<prefix>} plus {@code reserved:world}: the
 * prefix lies outside the cluster, and carrying the world label keeps {@code toEntities: [world]}
 * covering addresses that some other policy gave a prefix identity (as Cilium does). Find the
 * prefix of an identity with {@link #prefixOf}, never by comparing whole label sets.
 *
 * <p>0.0.0.0/0 gets no identity: an ipcache miss already is {@code world}. IPv6 prefixes get none
 * while the datapath is IPv4-only.
 */
public final class CidrIdentities {
  private CidrIdentities() {}

  /** The label set of the identity of {@code prefix}. */
  public static LabelSet labels(Cidr prefix) {
    return Labels.canonical(List.of(
        Labels.label(Labels.SOURCE_CIDR, prefix.toString(), ""),
        Labels.label(Labels.SOURCE_RESERVED, ReservedIdentity.WORLD.labelKey(), "")), "labels");
  }

  /** The IPv4 prefix a CIDR identity stands for; empty for any other identity. */
  public static Optional<Cidr> prefixOf(Identity identity) {
    if (!ReservedIdentity.isLocalScope(identity.getId())) {
      return Optional.empty();
    }
    return prefixOf(identity.getLabels());
  }

  /** The IPv4 prefix named by the {@code cidr:} label of a set, if it has one. */
  public static Optional<Cidr> prefixOf(LabelSet labels) {
    for (Label l : labels.getLabelsList()) {
      if (l.getSource().equals(Labels.SOURCE_CIDR) && l.getKey().indexOf(':') < 0 && l.getKey().indexOf('/') > 0) {
        try {
          return Optional.of(IpPrefix.parse(l.getKey(), "", false).toCidr());
        } catch (RuntimeException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The IPv4 prefixes (other than /0) that need an identity for {@code policy}, each with the
   * path of its first mention ({@code rules[0].egress[1].toCIDRSet[0].except[0]}). Prefixes in
   * {@code except} lists count: the LPM map must hold them for the exception to take effect.
   */
  public static Map<Cidr, String> referenced(Policy policy) {
    Map<Cidr, String> out = new TreeMap<>();
    for (int i = 0; i < policy.getRulesCount(); i++) {
      PolicyRule r = policy.getRules(i);
      collect(r.getIngressList(), i, "ingress", "from", out);
      collect(r.getIngressDenyList(), i, "ingressDeny", "from", out);
      collect(r.getEgressList(), i, "egress", "to", out);
      collect(r.getEgressDenyList(), i, "egressDeny", "to", out);
    }
    return out;
  }

  /** The prefixes of {@link #referenced}, without their paths. */
  public static Set<Cidr> prefixes(Policy policy) {
    Map<Cidr, String> referenced = referenced(policy);
    return referenced.isEmpty() ? Set.of() : Set.copyOf(referenced.keySet());
  }

  private static void collect(List<PeerRule> rules, int rule, String field, String prefix, Map<Cidr, String> out) {
    for (int i = 0; i < rules.size(); i++) {
      PeerRule p = rules.get(i);
      if (p.getCidrsCount() == 0 && p.getCidrSetCount() == 0) {
        continue; // most peers select endpoints or entities: no path strings for them
      }
      String at = "rules[" + rule + "]." + field + "[" + i + "].";
      for (int j = 0; j < p.getCidrsCount(); j++) {
        add(p.getCidrs(j), at + prefix + "CIDR[" + j + "]", out);
      }
      for (int j = 0; j < p.getCidrSetCount(); j++) {
        CidrRule c = p.getCidrSet(j);
        String set = at + prefix + "CIDRSet[" + j + "]";
        add(c.getCidr(), set + ".cidr", out);
        for (int k = 0; k < c.getExceptCount(); k++) {
          add(c.getExcept(k), set + ".except[" + k + "]", out);
        }
      }
    }
  }

  private static void add(String text, String path, Map<Cidr, String> out) {
    IpPrefix p = IpPrefix.parse(text, path, true);
    if (!p.ipv6() && p.length() > 0) {
      out.putIfAbsent(p.toCidr(), path);
    }
  }
}
