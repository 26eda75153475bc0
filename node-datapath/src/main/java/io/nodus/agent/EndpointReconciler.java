package io.nodus.agent;

import io.nodus.agent.ipam.HostIpam;
import io.nodus.agent.plumbing.EndpointPlumber;
import io.nodus.agent.plumbing.EndpointPlumbing;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.MarkEndpointReady;
import io.nodus.state.proto.Node;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel side of local endpoints other than maps: for a pending endpoint it takes an address,
 * plumbs the namespace and veth; it re-plumbs ready endpoints whose plumbing vanished, removes
 * plumbing of endpoints the log no longer has, attaches the programs, and — once the endpoint's
 * maps are written and the programs attached — tells the log the endpoint is ready, so an
 * endpoint is never reachable before its policy is enforced.
 *
 * <p>Threading: used only by the agent's reconciler thread.
 */
final class EndpointReconciler {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointReconciler.class);

  /**
   * Where a local endpoint is plumbed.
   *
   * @param ifindex host-side veth ifindex
   * @param ipv4 its address (known before the log records it, for a pending endpoint)
   * @param hostInterface host-side veth name
   */
  record Attachment(int ifindex, String ipv4, String hostInterface) {}

  /** Attaches the datapath's programs to a host-side veth, replacing earlier ones ({@code Datapath::attach}). */
  @FunctionalInterface
  interface Programs {
    void attach(int hostIfindex);
  }

  private final String node;
  private final ControlPlaneClient client;
  private final EndpointPlumbing plumber;
  private final Programs programs;
  private final Map<String, Attachment> attachments = new HashMap<>();
  /** Addresses taken for pending endpoints, until the log shows them ready. */
  private final Map<String, String> reserved = new HashMap<>();
  /** Pending endpoints whose readiness the log accepted; their event has not arrived yet. */
  private final Set<String> readySubmitted = new HashSet<>();
  /** Host ifindexes the programs of this run are attached to (attaching replaces an older program). */
  private final Set<Integer> attached = new HashSet<>();
  private final Set<String> failed = new TreeSet<>();

  /**
   * @param client the control plane, told of ready endpoints
   * @param plumber the node's endpoint plumbing ({@link EndpointPlumber} but in tests)
   * @param programs attaches the datapath's programs to a plumbed endpoint
   */
  EndpointReconciler(String node, ControlPlaneClient client, EndpointPlumbing plumber, Programs programs) {
    this.node = node;
    this.client = client;
    this.plumber = plumber;
    this.programs = programs;
  }

  Map<String, Attachment> attachments() {
    return attachments;
  }

  /** Endpoints whose plumbing, attachment or readiness failed in the last pass (to retry). */
  Set<String> failed() {
    return failed;
  }

  /**
   * Plumbs {@code names} (every local endpoint when null) and, when {@code sweep}, removes the
   * plumbing of endpoints the log no longer has. Returns the names whose attachment changed.
   */
  Set<String> plumb(ClusterImage image, Collection<String> names, boolean sweep) {
    Optional<Node> me = image.nodes().get(node);
    Set<String> changed = new TreeSet<>();
    if (me.isEmpty()) {
      LOG.warn("node not in the log yet node={} revision={}", node, image.revision());
      return changed;
    }
    Cidr podCidr = Cidr.parse(me.get().getPodCidr(), "podCidr");
    Collection<String> todo = names != null ? names : image.endpoints().onNode(node).stream().map(Endpoint::getName).toList();
    for (String name : todo) {
      failed.remove(name);
      Optional<Endpoint> e = image.endpoints().get(name).filter(x -> x.getNode().equals(node));
      if (e.isEmpty()) {
        forget(name, changed);
        continue;
      }
      try {
        Attachment at = plumbOne(image, podCidr, e.get());
        if (!at.equals(attachments.put(name, at))) {
          changed.add(name);
        }
      } catch (RuntimeException ex) {
        failed.add(name);
        LOG.error("endpoint plumbing failed endpoint={} error={}", name, ex.getMessage());
      }
    }
    if (sweep) {
      Set<String> local = new HashSet<>();
      image.endpoints().onNode(node).forEach(x -> local.add(x.getName()));
      for (EndpointPlumber.OwnedLink link : plumber.ownedLinks()) {
        if (!local.contains(link.endpoint())) {
          forget(link.endpoint(), changed);
        }
      }
      for (String name : Set.copyOf(attachments.keySet())) {
        if (!local.contains(name)) {
          forget(name, changed);
        }
      }
    }
    return changed;
  }

  private Attachment plumbOne(ClusterImage image, Cidr podCidr, Endpoint e) {
    if (e.getState() == EndpointState.ENDPOINT_STATE_READY) {
      reserved.remove(e.getName());
      readySubmitted.remove(e.getName());
      EndpointPlumber.Plumbed p = plumber.inspect(e.getName()).orElseGet(() -> {
        LOG.warn("plumbing missing, recreating endpoint={} ipv4={}", e.getName(), e.getIpv4());
        return plumber.plumb(e.getName(), e.getIpv4());
      });
      return new Attachment(p.hostIfindex(), e.getIpv4(), p.hostInterface());
    }
    String ip = reserved.get(e.getName());
    if (ip == null) {
      Set<String> used = new HashSet<>(image.endpoints().byIpv4().keys());
      used.addAll(reserved.values());
      ip = HostIpam.allocate(podCidr, used).orElseThrow(
          () -> new IllegalStateException("pod CIDR " + podCidr + " of node " + node + " has no free address"));
      reserved.put(e.getName(), ip);
    }
    // Plumbing flushes addresses: never redo it for an endpoint already announced as ready.
    String address = ip;
    EndpointPlumber.Plumbed p = (readySubmitted.contains(e.getName()) ? plumber.inspect(e.getName()) : Optional.<EndpointPlumber.Plumbed>empty())
        .orElseGet(() -> {
          readySubmitted.remove(e.getName());
          return plumber.plumb(e.getName(), address);
        });
    return new Attachment(p.hostIfindex(), ip, p.hostInterface());
  }

  private void forget(String name, Set<String> changed) {
    if (plumber.inspect(name).isPresent() || plumber.ownedLinks().stream().anyMatch(l -> l.endpoint().equals(name))) {
      LOG.info("removing plumbing of deleted endpoint endpoint={}", name);
      plumber.unplumb(name);
    }
    Attachment at = attachments.remove(name);
    if (at != null) {
      attached.remove(at.ifindex());
      changed.add(name);
    }
    reserved.remove(name);
    readySubmitted.remove(name);
  }

  /** Attaches the programs to every plumbed endpoint not yet attached by this run; false on a failure. */
  boolean attachAll() {
    boolean ok = true;
    for (Map.Entry<String, Attachment> a : attachments.entrySet()) {
      int ifindex = a.getValue().ifindex();
      if (attached.add(ifindex)) {
        try {
          programs.attach(ifindex);
        } catch (RuntimeException ex) {
          attached.remove(ifindex);
          failed.add(a.getKey());
          ok = false;
          LOG.error("program attach failed endpoint={} ifindex={} error={}", a.getKey(), ifindex, ex.getMessage());
        }
      }
    }
    attached.retainAll(attachments.values().stream().map(Attachment::ifindex).toList());
    return ok;
  }

  /**
   * Tells the log that pending endpoints are ready, for those plumbed and attached whose maps
   * hold their policy ({@code mapsWritten}); false when one was refused.
   */
  boolean markReady(ClusterImage image, Set<String> mapsWritten) {
    boolean ok = true;
    for (Endpoint e : image.endpoints().onNode(node)) {
      Attachment at = attachments.get(e.getName());
      if (e.getState() == EndpointState.ENDPOINT_STATE_READY || at == null || readySubmitted.contains(e.getName())
          || !attached.contains(at.ifindex()) || !mapsWritten.contains(e.getName())) {
        continue;
      }
      ok &= markReady(e.getName(), at);
    }
    return ok;
  }

  private boolean markReady(String endpoint, Attachment at) {
    CommandResult result = client.submit(Command.newBuilder().setRequestId("ready-" + endpoint + "-" + UUID.randomUUID())
        .setMarkEndpointReady(MarkEndpointReady.newBuilder().setName(endpoint).setIpv4(at.ipv4()).setInterfaceName(at.hostInterface()))
        .build());
    if (result.hasRejection()) {
      // E.g. the endpoint was deleted meanwhile, or the address is taken: choose again next pass.
      LOG.warn("endpoint ready refused endpoint={} ipv4={} code={} message={}", endpoint, at.ipv4(),
          result.getRejection().getCode(), result.getRejection().getMessage());
      reserved.remove(endpoint);
      failed.add(endpoint);
      return false;
    }
    LOG.info("endpoint ready endpoint={} ipv4={} interface={}", endpoint, at.ipv4(), at.hostInterface());
    readySubmitted.add(endpoint);
    return true;
  }
}
