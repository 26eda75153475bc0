package io.nodus.state.read;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.StoredPolicy;
import io.nodus.state.model.InvalidFieldException;
import io.nodus.state.model.RejectionCodes;
import io.nodus.state.policy.LabelSelectors;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointSelector;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.IpamPoolState;
import io.nodus.state.proto.Rejection;
import io.nodus.state.proto.Resource;
import io.nodus.state.proto.ResourceKind;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Keyed reads and paged listings of one image. A listing walks a kind's keys in order from where
 * the previous page stopped (policies and endpoints through the sorted index beside their hash
 * maps, the other kinds through their sorted maps), so a page of 100 costs a seek and 100 steps
 * whatever the kind holds. A namespace of policies or services is a range of keys, sought and
 * left at its end; a label selector, and an endpoint's node or namespace, filter on the way, so a
 * selective one may walk far for a page.
 *
 * <p>Keys: an identity's number in decimal, a node's or an endpoint's name, {@code
 * namespace/name} for policies (an empty namespace for cluster-wide ones) and services, a pool's
 * name. Listings are in key order (identities by number; the default pool before the others).
 *
 * <p>Pure functions; the image is immutable, so any thread may call them.
 */
public final class ResourceReads {
  private ResourceReads() {}

  /** Whether resources of {@code kind} can be read by key and listed. */
  public static boolean isReadable(ResourceKind kind) {
    return switch (kind) {
      case KIND_IDENTITY, KIND_NODE, KIND_ENDPOINT, KIND_POLICY, KIND_SERVICE, KIND_IPAM -> true;
      case KIND_CLUSTER, KIND_MEMBER, RESOURCE_KIND_UNSPECIFIED, UNRECOGNIZED -> false;
    };
  }

  /** Whether resources of {@code kind} carry labels that a selector can filter on. */
  public static boolean hasLabels(ResourceKind kind) {
    return switch (kind) {
      // A policy's own metadata.labels, as kubectl -l filters objects on theirs (not its endpointSelector).
      case KIND_IDENTITY, KIND_ENDPOINT, KIND_POLICY -> true;
      case KIND_NODE, KIND_SERVICE, KIND_CLUSTER, KIND_IPAM, KIND_MEMBER, RESOURCE_KIND_UNSPECIFIED, UNRECOGNIZED -> false;
    };
  }

  static void requireReadable(ResourceKind kind) {
    if (kind == null || !isReadable(kind)) {
      throw InvalidFieldException.invalid("kind", kind + " cannot be read by key or listed; "
          + "identities, nodes, endpoints, policies, services and IPAM pools can");
    }
  }

  /** Checks that {@code key} can be a key of {@code kind}, naming {@code field} otherwise. */
  static void checkKey(ResourceKind kind, String key, String field) {
    if (kind == ResourceKind.KIND_IDENTITY) {
      identityNumber(key, field);
    } else if (key.isEmpty()) {
      throw InvalidFieldException.invalid(field, "the key is empty");
    }
  }

  /**
   * The resource of {@code kind} keyed {@code key} in {@code image}, if any.
   *
   * @throws InvalidFieldException on {@code kind} for a kind that cannot be read, on {@code key}
   *     for an identity key that is no number
   */
  public static Optional<Resource> get(ClusterImage image, ResourceKind kind, String key) {
    requireReadable(kind);
    Resource.Builder out = Resource.newBuilder();
    switch (kind) {
      case KIND_IDENTITY -> image.identities().get(identityNumber(key, "key")).ifPresent(out::setIdentity);
      case KIND_NODE -> image.nodes().get(key).ifPresent(out::setNode);
      case KIND_ENDPOINT -> image.endpoints().get(key).ifPresent(out::setEndpoint);
      case KIND_POLICY -> {
        StoredPolicy p = image.policies().storedOrNull(key);
        if (p != null) {
          out.setPolicy(p.policy());
        }
      }
      case KIND_SERVICE -> image.services().byKey().get(key).ifPresent(out::setService);
      case KIND_IPAM -> image.ipam().pool(key, image.config()).ifPresent(p -> out.setIpamPool(
          poolState(image, p).addAllAllocations(image.ipam().allocationsOf(key).values())));
      default -> throw new IllegalStateException("readable kind without a reader: " + kind);
    }
    return out.getKindCase() == Resource.KindCase.KIND_NOT_SET ? Optional.empty() : Optional.of(out.build());
  }

  /** The rejection that says no resource of {@code kind} has {@code key}, naming the field a client gave. */
  public static Rejection notFound(ResourceKind kind, String key, long revision) {
    String field = kind == ResourceKind.KIND_IDENTITY ? "id" : "name";
    String message = switch (kind) {
      case KIND_IDENTITY -> "no identity " + key;
      case KIND_NODE -> "no node named " + key;
      case KIND_ENDPOINT -> "no endpoint named " + key;
      case KIND_POLICY -> {
        String[] nn = namespaceAndName(key);
        yield "no policy named " + nn[1] + (nn[0].isEmpty() ? " (cluster-wide)" : " in namespace " + nn[0]);
      }
      case KIND_SERVICE -> {
        String[] nn = namespaceAndName(key);
        yield "no service named " + nn[1] + " in namespace " + nn[0];
      }
      case KIND_IPAM -> "no pool named " + key;
      default -> "no " + kind + " " + key;
    };
    return Rejection.newBuilder().setCode(RejectionCodes.NOT_FOUND).setField(field).setMessage(message).setRevision(revision).build();
  }

  /** The page {@code query} asks for, read from {@code image}. */
  public static ResourcePage list(ClusterImage image, ListQuery query) {
    String after = query.afterKey();
    // Policies and services are keyed namespace first: a namespace is the range of keys after
    // "namespace/" that start with it (no key is "namespace/" itself: names are not empty).
    String prefix = query.namespace() == null ? null : query.namespace() + "/";
    String from = prefix != null && (after == null || after.compareTo(prefix) < 0) ? prefix : after;
    EndpointSelector selector = query.selector();
    return switch (query.kind()) {
      case KIND_IDENTITY -> page(image, query, numbered(image.identities().byId().entriesAfter(
          after == null ? null : identityNumber(after, ContinueTokens.FIELD))), null,
          LabelSelectors.isWildcard(selector) ? null : i -> LabelSelectors.matches(selector, i.getLabels()),
          i -> Resource.newBuilder().setIdentity(i).build());
      case KIND_NODE -> page(image, query, image.nodes().byName().entriesAfter(after), null, null,
          n -> Resource.newBuilder().setNode(n).build());
      case KIND_ENDPOINT -> page(image, query, image.endpoints().after(after), null, endpointFilter(query),
          e -> Resource.newBuilder().setEndpoint(e).build());
      // Filtering on labels parses each policy it looks at; an unfiltered page parses only its own.
      case KIND_POLICY -> page(image, query, image.policies().after(from), prefix,
          LabelSelectors.isWildcard(selector) ? null : p -> LabelSelectors.matches(selector, p.policy().getLabels()),
          p -> Resource.newBuilder().setPolicy(p.policy()).build());
      case KIND_SERVICE -> page(image, query, image.services().byKey().entriesAfter(from), prefix, null,
          s -> Resource.newBuilder().setService(s).build());
      case KIND_IPAM -> page(image, query, image.ipam().poolsAfter(after, image.config()), null, null,
          p -> Resource.newBuilder().setIpamPool(poolState(image, p)).build());
      default -> throw new IllegalStateException("readable kind without a reader: " + query.kind());
    };
  }

  /** What an endpoint must satisfy to be listed, or null for every endpoint. */
  private static Predicate<Endpoint> endpointFilter(ListQuery q) {
    if (LabelSelectors.isWildcard(q.selector()) && q.namespace() == null && q.node() == null) {
      return null;
    }
    return e -> (q.node() == null || e.getNode().equals(q.node()))
        && (q.namespace() == null || e.getNamespace().equals(q.namespace()))
        && LabelSelectors.matches(q.selector(), e.getLabels());
  }

  /**
   * Collects up to the limit items from {@code entries} that {@code filter} keeps, while their
   * keys start with {@code prefix}. The page continues when the limit filled up and keys remain
   * (the rest may hold no match: then the next page is empty and ends the listing, as in
   * Kubernetes).
   *
   * @param prefix the keys of the range listed, or null for every key
   * @param filter which items to keep, or null for every one
   */
  private static <T> ResourcePage page(ClusterImage image, ListQuery query, Iterator<Map.Entry<String, T>> entries,
      String prefix, Predicate<T> filter, Function<T, Resource> resource) {
    int limit = query.limit() == 0 ? Integer.MAX_VALUE : query.limit();
    List<Resource> items = new ArrayList<>(Math.min(limit, 1024));
    String last = null;
    boolean more = false;
    while (entries.hasNext()) {
      Map.Entry<String, T> e = entries.next();
      if (prefix != null && !e.getKey().startsWith(prefix)) {
        break;
      }
      if (items.size() == limit) {
        more = true;
        break;
      }
      if (filter == null || filter.test(e.getValue())) {
        items.add(resource.apply(e.getValue()));
        last = e.getKey();
      }
    }
    String token = more ? ContinueTokens.encode(query.kind(), last, image.revision()) : "";
    return new ResourcePage(items, token, image.revision());
  }

  /** A pool and how many allocations it holds, without them. */
  private static IpamPoolState.Builder poolState(ClusterImage image, IpamPool pool) {
    return IpamPoolState.newBuilder().setPool(pool).setAllocated(image.ipam().allocationsOf(pool.getName()).size());
  }

  /** Entries keyed by an identity number, keyed by its decimal text. */
  private static <V> Iterator<Map.Entry<String, V>> numbered(Iterator<Map.Entry<Integer, V>> entries) {
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return entries.hasNext();
      }

      @Override
      public Map.Entry<String, V> next() {
        Map.Entry<Integer, V> e = entries.next();
        return Map.entry(Integer.toString(e.getKey()), e.getValue());
      }
    };
  }

  private static int identityNumber(String key, String field) {
    boolean digits = !key.isEmpty() && key.length() <= 10 && key.chars().allMatch(c -> c >= '0' && c <= '9');
    long n = digits ? Long.parseLong(key) : -1;
    if (n < 0 || n > Integer.MAX_VALUE) {
      throw InvalidFieldException.invalid(field, "'" + key + "' is not an identity number");
    }
    return (int) n;
  }

  /** {@code namespace/name} split at its first '/' (neither part holds one). */
  private static String[] namespaceAndName(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? new String[] {"", key} : new String[] {key.substring(0, slash), key.substring(slash + 1)};
  }
}
