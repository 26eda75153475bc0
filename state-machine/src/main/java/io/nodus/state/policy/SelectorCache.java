package io.nodus.state.policy;

import io.nodus.state.image.IdentitiesImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.Label;
import io.nodus.state.proto.LabelSet;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Label selectors resolved to the identities they select, kept up to date as identities come and
 * go, as Cilium's selector cache does. A selector's selection is computed once, when it is first
 * asked for; after that an added identity is matched only against the selectors indexed under
 * one of its label keys (plus the few selectors that require no key), and a removed identity
 * leaves only the selections that held it. Resolving an endpoint's policy then costs a lookup per
 * peer selector instead of a scan of every identity.
 *
 * <p>CIDR identities are also indexed by prefix, so a CIDR rule finds the prefixes inside it with
 * one range scan.
 *
 * <p>Selectors are held by owners (an endpoint's resolution holds the selectors it used, see
 * {@link #hold}), and a selector no owner holds any more is forgotten at once: the cache holds
 * exactly what is in use, with no periodic rebuild. The owners of the selectors whose selection an
 * identity change moved ({@link #ownersOf}) are the endpoints whose resolved policy it can change,
 * as Cilium's selector cache notifies its users.
 *
 * <p>Threading: not thread-safe; one owner (the agent's resolver thread, or one call of
 * {@link PolicyResolver#resolve(io.nodus.state.image.ClusterImage, LabelSet)}) drives it.
 * Returned sets are live, read-only views: copy them to keep a snapshot.
 */
public final class SelectorCache {
  private final Map<Integer, LabelSet> identities = new HashMap<>();
  private final TreeMap<Cidr, Integer> cidrIdentities = new TreeMap<>();
  /** Canonical selector to the identities it selects. */
  private final Map<EndpointSelector, TreeSet<Integer>> selections = new HashMap<>();
  /** Selectors by the label key they require ({@link LabelSelectors#requiredKey}). */
  private final Map<String, Set<EndpointSelector>> byRequiredKey = new HashMap<>();
  /** Selectors that require no particular key (NotIn/DoesNotExist only, or empty). */
  private final Set<EndpointSelector> keyless = new HashSet<>();
  /** Identity to the selectors whose selection holds it, so removal touches only those. */
  private final Map<Integer, Set<EndpointSelector>> selectorsOf = new HashMap<>();
  /** Owner to the selectors it holds, and whether it uses CIDR rules. */
  private final Map<Object, Held> held = new HashMap<>();
  /** Selector to the owners that hold it. */
  private final Map<EndpointSelector, Set<Object>> owners = new HashMap<>();
  /** Owners whose rules select by CIDR: any CIDR identity that comes or goes may concern them. */
  private final Set<Object> cidrOwners = new HashSet<>();

  /** What one owner holds. */
  private record Held(Set<EndpointSelector> selectors, boolean cidr) {}

  /** An empty cache: no identities, no selectors. */
  public SelectorCache() {}

  /** A cache holding every identity of {@code image}. */
  public static SelectorCache of(IdentitiesImage image) {
    SelectorCache c = new SelectorCache();
    for (Identity i : image.byId().values()) {
      c.add(i);
    }
    return c;
  }

  /** The identities {@code selector} selects (a live, read-only view). */
  public SortedSet<Integer> select(EndpointSelector selector) {
    EndpointSelector key = LabelSelectors.canonical(selector);
    TreeSet<Integer> selected = selections.get(key);
    if (selected == null) {
      selected = new TreeSet<>();
      for (Map.Entry<Integer, LabelSet> e : identities.entrySet()) {
        if (LabelSelectors.matches(key, e.getValue())) {
          selected.add(e.getKey());
          selectorsOf.computeIfAbsent(e.getKey(), k -> new HashSet<>()).add(key);
        }
      }
      selections.put(key, selected);
      String required = LabelSelectors.requiredKey(key);
      if (required == null) {
        keyless.add(key);
      } else {
        byRequiredKey.computeIfAbsent(required, k -> new HashSet<>()).add(key);
      }
    }
    return Collections.unmodifiableSortedSet(selected);
  }

  /**
   * The CIDR identities whose IPv4 prefix lies inside {@code prefix} and inside none of
   * {@code except}, plus {@code world} for a /0 that is not itself excepted (addresses with no
   * prefix identity are world). IPv6 prefixes select nothing: the datapath is IPv4-only.
   */
  public SortedSet<Integer> selectCidr(IpPrefix prefix, List<IpPrefix> except) {
    SortedSet<Integer> out = new TreeSet<>();
    if (prefix.ipv6()) {
      return out;
    }
    Cidr p = prefix.toCidr();
    Cidr last = new Cidr(p.network() | ~Cidr.mask(p.prefixLength()), 32);
    outer:
    for (Map.Entry<Cidr, Integer> e : cidrIdentities.subMap(p, true, last, true).entrySet()) {
      for (IpPrefix x : except) {
        if (!x.ipv6() && x.toCidr().contains(e.getKey())) {
          continue outer;
        }
      }
      out.add(e.getValue());
    }
    if (p.prefixLength() == 0 && except.stream().noneMatch(x -> !x.ipv6() && x.length() == 0)) {
      out.add(ReservedIdentity.WORLD.id());
    }
    return out;
  }

  /**
   * Adds (or relabels) an identity and returns the canonical selectors whose selection changed.
   * Only selectors indexed under one of its label keys, and key-less ones, are evaluated.
   */
  public Set<EndpointSelector> add(Identity identity) {
    int id = identity.getId();
    LabelSet old = identities.get(id);
    if (identity.getLabels().equals(old)) {
      return Set.of();
    }
    Set<EndpointSelector> changed = new LinkedHashSet<>(old == null ? Set.of() : remove(id));
    identities.put(id, identity.getLabels());
    CidrIdentities.prefixOf(identity).ifPresent(p -> cidrIdentities.put(p, id));
    Set<EndpointSelector> candidates = new HashSet<>(keyless);
    for (Label l : identity.getLabels().getLabelsList()) {
      candidates.addAll(byRequiredKey.getOrDefault(l.getKey(), Set.of()));
    }
    for (EndpointSelector s : candidates) {
      if (LabelSelectors.matches(s, identity.getLabels())) {
        selections.get(s).add(id);
        selectorsOf.computeIfAbsent(id, k -> new HashSet<>()).add(s);
        changed.add(s);
      }
    }
    return changed;
  }

  /** Removes an identity and returns the canonical selectors whose selection held it. */
  public Set<EndpointSelector> remove(int id) {
    LabelSet old = identities.remove(id);
    if (old == null) {
      return Set.of();
    }
    CidrIdentities.prefixOf(old).ifPresent(p -> cidrIdentities.remove(p, id));
    Set<EndpointSelector> held = selectorsOf.remove(id);
    if (held == null) {
      return Set.of();
    }
    for (EndpointSelector s : held) {
      selections.get(s).remove(id);
    }
    return held;
  }

  /**
   * Brings the cache in line with {@code image}: removes identities it no longer has, adds new or
   * relabelled ones. Returns the selectors whose selection changed. Linear in the identities;
   * an owner that sees the events can call {@link #add} and {@link #remove} instead.
   */
  public Set<EndpointSelector> sync(IdentitiesImage image) {
    Set<EndpointSelector> changed = new LinkedHashSet<>();
    for (Integer id : List.copyOf(identities.keySet())) {
      if (!image.byId().containsKey(id)) {
        changed.addAll(remove(id));
      }
    }
    for (Identity i : image.byId().values()) {
      changed.addAll(add(i));
    }
    return changed;
  }

  /**
   * Makes {@code owner} hold exactly {@code selectors} (any form; canonicalized) and, when
   * {@code cidr}, the CIDR identities. Selectors it held before and no longer does, and no other
   * owner holds, are forgotten.
   */
  public void hold(Object owner, Set<EndpointSelector> selectors, boolean cidr) {
    Set<EndpointSelector> now = new HashSet<>();
    for (EndpointSelector s : selectors) {
      EndpointSelector key = LabelSelectors.canonical(s);
      select(key);
      now.add(key);
    }
    Held before = held.remove(owner);
    for (EndpointSelector s : now) {
      owners.computeIfAbsent(s, k -> new HashSet<>()).add(owner);
    }
    if (before != null) {
      for (EndpointSelector s : before.selectors()) {
        if (!now.contains(s)) {
          Set<Object> of = owners.get(s);
          of.remove(owner);
          if (of.isEmpty()) {
            owners.remove(s);
            forget(s);
          }
        }
      }
    }
    if (cidr) {
      cidrOwners.add(owner);
    } else {
      cidrOwners.remove(owner);
    }
    if (!now.isEmpty() || cidr) {
      held.put(owner, new Held(now, cidr));
    }
  }

  /** {@code owner} holds nothing any more (an endpoint went away). */
  public void release(Object owner) {
    hold(owner, Set.of(), false);
  }

  /** The owners holding any of {@code selectors} (canonical forms, as {@link #add} returns them). */
  public Set<Object> ownersOf(Collection<EndpointSelector> selectors) {
    Set<Object> out = new HashSet<>();
    for (EndpointSelector s : selectors) {
      out.addAll(owners.getOrDefault(s, Set.of()));
    }
    return out;
  }

  /** The owners whose rules select by CIDR. */
  public Set<Object> cidrOwners() {
    return Collections.unmodifiableSet(cidrOwners);
  }

  /** Drops a selector's selection and indexes; it is computed again if asked for. */
  private void forget(EndpointSelector s) {
    TreeSet<Integer> selected = selections.remove(s);
    if (selected == null) {
      return;
    }
    for (Integer id : selected) {
      Set<EndpointSelector> of = selectorsOf.get(id);
      of.remove(s);
      if (of.isEmpty()) {
        selectorsOf.remove(id);
      }
    }
    String required = LabelSelectors.requiredKey(s);
    if (required == null) {
      keyless.remove(s);
    } else {
      Set<EndpointSelector> bucket = byRequiredKey.get(required);
      bucket.remove(s);
      if (bucket.isEmpty()) {
        byRequiredKey.remove(required);
      }
    }
  }

  /** Number of selectors with a cached selection (held ones, and any asked for but not held yet). */
  public int selectorCount() {
    return selections.size();
  }

  /** Number of identities the cache knows. */
  public int identityCount() {
    return identities.size();
  }
}
