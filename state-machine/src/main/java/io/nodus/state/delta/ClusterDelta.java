package io.nodus.state.delta;

import io.nodus.state.image.ClusterImage;
import io.nodus.state.image.IpamImage;
import io.nodus.state.image.PoliciesImage;
import io.nodus.state.image.ServicesImage;
import io.nodus.state.image.StoredPolicy;
import io.nodus.state.model.Cidr;
import io.nodus.state.policy.CidrIdentities;
import io.nodus.state.proto.ClusterConfig;
import io.nodus.state.proto.ControllerMember;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.Event;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.IpamAllocation;
import io.nodus.state.proto.IpamPool;
import io.nodus.state.proto.Node;
import io.nodus.state.proto.Policy;
import io.nodus.state.proto.ResourceKind;
import io.nodus.state.proto.Service;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What a run of events changes, kind by kind, and the image it leads to: the one place that says
 * what each event means. {@link #replay} is the only switch on event kinds in the code base; it
 * folds the event into the image the delta leads to and records, per kind, the keys it touched
 * ({@link ResourceDelta}: created, changed, removed, with the values before and after).
 * {@link #apply} gives the new image. Everything downstream reads the delta instead of
 * re-deriving it: the store writes exactly the keys it names, a kind-filtered watch asks which
 * kinds an event touched (stamped in the event), and the agent learns what changed for it. A
 * snapshot is a delta from the empty image ({@link #fromEmpty}), so consumers have one path.
 *
 * <p>Modelled on Kafka KRaft's {@code MetadataDelta}. Pure: an event that contradicts the image
 * (an endpoint that does not exist, a revision out of order) means the log or a replica is
 * broken, so it fails loudly with {@link IllegalStateException}. Threading: built by one thread,
 * short-lived; read-only once applied.
 */
public final class ClusterDelta {
  private final ClusterImage base;
  private ClusterImage current;
  private boolean snapshot;
  private final Set<ResourceKind> kinds = EnumSet.noneOf(ResourceKind.class);
  private boolean config;
  private final ResourceDelta<Integer, Identity> identities;
  private final ResourceDelta<Integer, Long> quarantine;
  private final ResourceDelta<String, Node> nodes;
  private final ResourceDelta<String, Endpoint> endpoints;
  private final ResourceDelta<String, StoredPolicy> policies;
  private final ResourceDelta<String, Service> services;
  private final ResourceDelta<String, IpamPool> ipamPools;
  private final ResourceDelta<String, IpamAllocation> ipamAllocations;
  private final ResourceDelta<String, ControllerMember> members;

  private ClusterDelta(ClusterImage base) {
    this.base = base;
    this.current = base;
    identities = new ResourceDelta<>(this, (image, k) -> image.identities().get(k));
    quarantine = new ResourceDelta<>(this, (image, k) -> Optional.ofNullable(image.identities().quarantine().getOrNull(k)));
    nodes = new ResourceDelta<>(this, (image, k) -> image.nodes().get(k));
    endpoints = new ResourceDelta<>(this, (image, k) -> image.endpoints().get(k));
    policies = new ResourceDelta<>(this, ClusterDelta::storedPolicy);
    services = new ResourceDelta<>(this, ClusterDelta::service);
    ipamPools = new ResourceDelta<>(this, (image, k) -> image.ipam().pools().get(k));
    ipamAllocations = new ResourceDelta<>(this, ClusterDelta::allocation);
    members = new ResourceDelta<>(this, (image, k) -> image.members().get(k));
  }

  /** An empty delta over {@code base}: events replayed into it lead from there. */
  public static ClusterDelta on(ClusterImage base) {
    return new ClusterDelta(base);
  }

  /**
   * {@code image} as a delta from the empty image: every resource it holds counts as touched. A
   * snapshot (list-then-watch, a resync) reaches consumers this way, through the same path as
   * events.
   */
  public static ClusterDelta fromEmpty(ClusterImage image) {
    ClusterDelta d = new ClusterDelta(ClusterImage.EMPTY);
    d.current = image;
    d.config = true;
    d.snapshot = true;
    d.kinds.addAll(EnumSet.complementOf(EnumSet.of(ResourceKind.RESOURCE_KIND_UNSPECIFIED, ResourceKind.UNRECOGNIZED)));
    image.identities().byId().forEach((id, i) -> d.identities.touch(id));
    ClusterImage.EMPTY.identities().byId().forEach((id, i) -> d.identities.touch(id));
    image.identities().quarantine().forEach(e -> d.quarantine.touch(e.getKey()));
    image.nodes().byName().forEach((n, node) -> d.nodes.touch(n));
    image.endpoints().byName().forEach((n, e) -> d.endpoints.touch(n));
    image.policies().byKey().forEach((k, p) -> d.policies.touch(k));
    image.services().all().forEach(s -> d.services.touch(ServicesImage.key(s.getNamespace(), s.getName())));
    image.ipam().pools().forEach((n, p) -> d.ipamPools.touch(n));
    image.ipam().allAllocations().forEach(a -> d.ipamAllocations.touch(allocationKey(a.getPool(), a.getCidr())));
    image.members().byId().forEach((id, m) -> d.members.touch(id));
    return d;
  }

  /**
   * Folds {@code event}, the next one of the log, into the image this delta leads to, and records
   * what it touched. Returns the kinds it touched (an event belongs to every kind whose records it
   * changes: creating an endpoint moves its identity's reference count, so it is an ENDPOINT and an
   * IDENTITY event).
   */
  public Set<ResourceKind> replay(Event event) {
    ClusterImage image = current;
    if (event.getRevision() != image.revision() + 1) {
      throw new IllegalStateException("event revision " + event.getRevision() + " does not follow image revision " + image.revision());
    }
    Set<ResourceKind> touched = EnumSet.noneOf(ResourceKind.class);
    ClusterImage next = switch (event.getBodyCase()) {
      case CLUSTER_CONFIGURED -> {
        config = true;
        touched.add(ResourceKind.KIND_CLUSTER);
        yield image.withConfig(event.getClusterConfigured().getConfig());
      }
      case IDENTITY_ALLOCATED -> {
        Identity id = event.getIdentityAllocated().getIdentity();
        identity(touched, id.getId());
        quarantine(touched, id.getId());
        yield image.withIdentities(image.identities().allocated(id));
      }
      case IDENTITY_RELEASED -> {
        int id = event.getIdentityReleased().getId();
        ClusterImage released = image.withIdentities(image.identities().released(id, event.getTimeMillis(),
            image.identityQuarantineMillis()));
        identity(touched, id);
        quarantine(touched, id);
        // A release also ends the quarantine of numbers whose window is over.
        image.identities().quarantine().forEach(e -> {
          if (!released.identities().quarantine().containsKey(e.getKey())) {
            quarantine(touched, e.getKey());
          }
        });
        yield released;
      }
      case POLICY_UPSERTED -> {
        Policy p = event.getPolicyUpserted().getPolicy().toBuilder().setRevision(event.getRevision()).build();
        policy(touched, p.getNamespace(), p.getName());
        yield image.withPolicies(image.policies().with(p, CidrIdentities.prefixes(p)));
      }
      case POLICY_DELETED -> {
        var d = event.getPolicyDeleted();
        policy(touched, d.getNamespace(), d.getName());
        yield image.withPolicies(image.policies().without(d.getNamespace(), d.getName()));
      }
      case NODE_REGISTERED -> nodeRegistered(touched, image, event.getNodeRegistered().getNode(), event.getRevision());
      case NODE_REMOVED -> {
        var removed = event.getNodeRemoved();
        if (image.nodes().get(removed.getName()).isEmpty()) {
          throw new IllegalStateException("remove event for unknown node " + removed.getName());
        }
        node(touched, removed.getName());
        allocation(touched, IpamImage.DEFAULT_POOL, removed.getPodCidr());
        yield image.withNodes(image.nodes().without(removed.getName()))
            .withIpam(image.ipam().released(IpamImage.DEFAULT_POOL, Cidr.parse(removed.getPodCidr(), "podCidr")));
      }
      case ENDPOINT_CREATED -> {
        Endpoint ep = event.getEndpointCreated().getEndpoint();
        endpoint(touched, ep.getName());
        identity(touched, ep.getIdentity());
        yield image.withEndpoints(image.endpoints().with(ep)).withIdentities(image.identities().referenced(ep.getIdentity(), 1));
      }
      case ENDPOINT_READY -> {
        var ready = event.getEndpointReady();
        Endpoint ep = image.endpoints().get(ready.getName())
            .orElseThrow(() -> new IllegalStateException("ready event for unknown endpoint " + ready.getName()));
        endpoint(touched, ep.getName());
        yield image.withEndpoints(image.endpoints().with(ep.toBuilder()
            .setIpv4(ready.getIpv4())
            .setInterfaceName(ready.getInterfaceName())
            .setState(EndpointState.ENDPOINT_STATE_READY)
            .build()));
      }
      case ENDPOINT_DELETED -> {
        String name = event.getEndpointDeleted().getName();
        Endpoint ep = image.endpoints().get(name)
            .orElseThrow(() -> new IllegalStateException("delete event for unknown endpoint " + name));
        endpoint(touched, name);
        identity(touched, ep.getIdentity());
        yield image.withEndpoints(image.endpoints().without(name)).withIdentities(image.identities().referenced(ep.getIdentity(), -1));
      }
      case SERVICE_UPSERTED -> {
        Service s = event.getServiceUpserted().getService().toBuilder().setRevision(event.getRevision()).build();
        service(touched, s.getNamespace(), s.getName());
        yield image.withServices(image.services().with(s));
      }
      case SERVICE_DELETED -> {
        var d = event.getServiceDeleted();
        service(touched, d.getNamespace(), d.getName());
        yield image.withServices(image.services().without(d.getNamespace(), d.getName()));
      }
      case IPAM_POOL_CREATED -> {
        IpamPool pool = event.getIpamPoolCreated().getPool().toBuilder().setRevision(event.getRevision()).build();
        pool(touched, pool.getName());
        yield image.withIpam(image.ipam().withPool(pool));
      }
      case IPAM_POOL_DELETED -> {
        pool(touched, event.getIpamPoolDeleted().getName());
        yield image.withIpam(image.ipam().withoutPool(event.getIpamPoolDeleted().getName()));
      }
      case IPAM_ALLOCATED -> {
        IpamAllocation a = event.getIpamAllocated().getAllocation().toBuilder().setRevision(event.getRevision()).build();
        allocation(touched, a.getPool(), a.getCidr());
        yield image.withIpam(image.ipam().allocated(a));
      }
      case IPAM_RELEASED -> {
        var r = event.getIpamReleased();
        allocation(touched, r.getPool(), r.getCidr());
        yield image.withIpam(image.ipam().released(r.getPool(), Cidr.parse(r.getCidr(), "cidr")));
      }
      case MEMBER_RECORDED -> {
        member(touched, event.getMemberRecorded().getMember().getId());
        yield image.withMembers(image.members().with(event.getMemberRecorded().getMember()));
      }
      case MEMBER_FORGOTTEN -> {
        member(touched, event.getMemberForgotten().getId());
        yield image.withMembers(image.members().without(event.getMemberForgotten().getId()));
      }
      case BODY_NOT_SET -> throw new IllegalStateException("event " + event.getRevision() + " has no body");
    };
    current = next.withRevision(event.getRevision());
    kinds.addAll(touched);
    return touched;
  }

  /** A node registers (its pod CIDR becomes a default-pool allocation) or moves its underlay. */
  private ClusterImage nodeRegistered(Set<ResourceKind> touched, ClusterImage image, Node node, long revision) {
    boolean isNew = image.nodes().get(node.getName()).isEmpty();
    node(touched, node.getName());
    ClusterImage next = image.withNodes(image.nodes().with(node));
    if (!isNew || node.getPodCidr().isEmpty()) {
      return next;
    }
    allocation(touched, IpamImage.DEFAULT_POOL, node.getPodCidr());
    return next.withIpam(next.ipam().allocated(IpamAllocation.newBuilder()
        .setPool(IpamImage.DEFAULT_POOL)
        .setCidr(node.getPodCidr())
        .setOwner(IpamImage.nodeOwner(node.getName()))
        .setRevision(revision)
        .build()));
  }

  /** The image the replayed events lead to. */
  public ClusterImage apply() {
    return current;
  }

  /** Whether this delta is a whole state ({@link #fromEmpty}): consumers start afresh from it. */
  public boolean snapshot() {
    return snapshot;
  }

  /** The image the delta starts from. */
  public ClusterImage base() {
    return base;
  }

  /** The image the events replayed so far lead to. */
  ClusterImage current() {
    return current;
  }

  /** Every kind the replayed events touched. */
  public Set<ResourceKind> kinds() {
    return Collections.unmodifiableSet(kinds);
  }

  /** Whether the cluster configuration was set (perhaps to the same value). */
  public boolean configTouched() {
    return config;
  }

  public ResourceDelta<Integer, Identity> identities() {
    return identities;
  }

  /** Released identity numbers in quarantine, to their release time. */
  public ResourceDelta<Integer, Long> quarantine() {
    return quarantine;
  }

  public ResourceDelta<String, Node> nodes() {
    return nodes;
  }

  public ResourceDelta<String, Endpoint> endpoints() {
    return endpoints;
  }

  /** Policies by {@link PoliciesImage#key}, as kept (parse with {@link StoredPolicy#policy}). */
  public ResourceDelta<String, StoredPolicy> policies() {
    return policies;
  }

  /** Services by {@link ServicesImage#key}. */
  public ResourceDelta<String, Service> services() {
    return services;
  }

  /** User-created IPAM pools by name. */
  public ResourceDelta<String, IpamPool> ipamPools() {
    return ipamPools;
  }

  /** IPAM allocations (node pod CIDRs included) by {@link #allocationKey}. */
  public ResourceDelta<String, IpamAllocation> ipamAllocations() {
    return ipamAllocations;
  }

  public ResourceDelta<String, ControllerMember> members() {
    return members;
  }

  /** The configuration before the delta. */
  public ClusterConfig configBefore() {
    return base.config();
  }

  /** The key of an IPAM allocation in {@link #ipamAllocations}: {@code pool/cidr}. */
  public static String allocationKey(String pool, String cidr) {
    return pool + "/" + cidr;
  }

  private void identity(Set<ResourceKind> touched, int id) {
    identities.touch(id);
    touched.add(ResourceKind.KIND_IDENTITY);
  }

  private void quarantine(Set<ResourceKind> touched, int id) {
    quarantine.touch(id);
    touched.add(ResourceKind.KIND_IDENTITY);
  }

  private void node(Set<ResourceKind> touched, String name) {
    nodes.touch(name);
    touched.add(ResourceKind.KIND_NODE);
  }

  private void endpoint(Set<ResourceKind> touched, String name) {
    endpoints.touch(name);
    touched.add(ResourceKind.KIND_ENDPOINT);
  }

  private void policy(Set<ResourceKind> touched, String namespace, String name) {
    policies.touch(PoliciesImage.key(namespace, name));
    touched.add(ResourceKind.KIND_POLICY);
  }

  private void service(Set<ResourceKind> touched, String namespace, String name) {
    services.touch(ServicesImage.key(namespace, name));
    touched.add(ResourceKind.KIND_SERVICE);
  }

  private void pool(Set<ResourceKind> touched, String name) {
    ipamPools.touch(name);
    touched.add(ResourceKind.KIND_IPAM);
  }

  private void allocation(Set<ResourceKind> touched, String pool, String cidr) {
    ipamAllocations.touch(allocationKey(pool, cidr));
    touched.add(ResourceKind.KIND_IPAM);
  }

  private void member(Set<ResourceKind> touched, String id) {
    members.touch(id);
    touched.add(ResourceKind.KIND_MEMBER);
  }

  private static Optional<StoredPolicy> storedPolicy(ClusterImage image, String key) {
    return Optional.ofNullable(image.policies().storedOrNull(key));
  }

  private static Optional<Service> service(ClusterImage image, String key) {
    return image.services().byKey().get(key);
  }

  private static Optional<IpamAllocation> allocation(ClusterImage image, String key) {
    int slash = key.indexOf('/');
    return image.ipam().allocation(key.substring(0, slash), Cidr.parse(key.substring(slash + 1), "cidr"));
  }
}
