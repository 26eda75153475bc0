package io.nodus.agent;

import io.nodus.agent.datapath.DesiredDatapath;
import io.nodus.agent.datapath.MapSyncer;
import io.nodus.agent.ipam.HostIpam;
import io.nodus.agent.plumbing.EndpointPlumber;
import io.nodus.agent.plumbing.HostNetwork;
import io.nodus.bpf.Datapath;
import io.nodus.raft.client.ControlPlaneClient;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Cidr;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CommandResult;
import io.nodus.state.proto.Endpoint;
import io.nodus.state.proto.EndpointState;
import io.nodus.state.proto.MarkEndpointReady;
import io.nodus.state.proto.Node;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reconciliation pass: make the node's plumbing and maps match an image. For a pending local
 * endpoint it takes an address, plumbs the namespace and veth, writes its maps, attaches the
 * programs and only then tells the log it is ready, so an endpoint is never reachable before its
 * policy is enforced. It re-plumbs ready endpoints whose plumbing vanished and removes plumbing
 * of endpoints the log no longer has.
 *
 * <p>Threading: used only by the agent's reconciler thread.
 */
final class EndpointReconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EndpointReconciler.class);
  private static final long HOST_REFRESH_NANOS = 10_000_000_000L;

  private final String node;
  private final ControlPlaneClient client;
  private final Datapath datapath;
  private final MapSyncer syncer;
  private final EndpointPlumber plumber;
  /** Addresses taken for pending endpoints, until the log shows them ready. */
  private final Map<String, String> reserved = new HashMap<>();
  /** Pending endpoints whose readiness the log accepted; their event has not arrived yet. */
  private final Set<String> readySubmitted = new HashSet<>();
  /** Host ifindexes the programs of this run are attached to (attaching replaces an older program). */
  private final Set<Integer> attached = new HashSet<>();
  private List<String> hostAddresses = List.of();
  private long hostRefreshedAt;

  EndpointReconciler(String node, ControlPlaneClient client, Datapath datapath, MapSyncer syncer) {
    this.node = node;
    this.client = client;
    this.datapath = datapath;
    this.syncer = syncer;
    this.plumber = new EndpointPlumber(node);
  }

  /** Returns true when everything is in line; false when some step failed and should be retried. */
  boolean reconcile(ClusterImage image) {
    Optional<Node> me = image.nodes().get(node);
    if (me.isEmpty()) {
      LOG.warn("node not in the log yet node={} revision={}", node, image.revision());
      return false;
    }
    boolean complete = true;
    Cidr podCidr = Cidr.parse(me.get().getPodCidr(), "podCidr");
    List<Endpoint> local = image.endpoints().onNode(node);
    Set<String> localNames = new HashSet<>();
    Map<String, MapSyncer.Attachment> attachments = new HashMap<>();
    Map<String, String> toMarkReady = new HashMap<>();

    for (Endpoint e : local) {
      localNames.add(e.getName());
      try {
        if (e.getState() == EndpointState.ENDPOINT_STATE_READY) {
          reserved.remove(e.getName());
          readySubmitted.remove(e.getName());
          EndpointPlumber.Plumbed p = plumber.inspect(e.getName()).orElseGet(() -> {
            LOG.warn("plumbing missing, recreating endpoint={} ipv4={}", e.getName(), e.getIpv4());
            return plumber.plumb(e.getName(), e.getIpv4());
          });
          attachments.put(e.getName(), new MapSyncer.Attachment(p.hostIfindex(), e.getIpv4()));
        } else {
          String ip = reserved.get(e.getName());
          if (ip == null) {
            ip = HostIpam.allocate(podCidr, usedAddresses(image)).orElseThrow(
                () -> new IllegalStateException("pod CIDR " + podCidr + " of node " + node + " has no free address"));
            reserved.put(e.getName(), ip);
          }
          // Plumbing flushes addresses: never redo it for an endpoint already announced as ready.
          String address = ip;
          Optional<EndpointPlumber.Plumbed> done = readySubmitted.contains(e.getName()) ? plumber.inspect(e.getName()) : Optional.empty();
          EndpointPlumber.Plumbed p = done.orElseGet(() -> plumber.plumb(e.getName(), address));
          attachments.put(e.getName(), new MapSyncer.Attachment(p.hostIfindex(), ip));
          if (done.isEmpty()) {
            readySubmitted.remove(e.getName());
            toMarkReady.put(e.getName(), p.hostInterface());
          }
        }
      } catch (RuntimeException ex) {
        complete = false;
        LOG.error("endpoint plumbing failed endpoint={} error={}", e.getName(), ex.getMessage());
      }
    }
    reserved.keySet().retainAll(localNames);
    readySubmitted.retainAll(localNames);
    for (EndpointPlumber.OwnedLink link : plumber.ownedLinks()) {
      if (!localNames.contains(link.endpoint())) {
        LOG.info("removing plumbing of deleted endpoint endpoint={} interface={}", link.endpoint(), link.hostInterface());
        plumber.unplumb(link.endpoint());
      }
    }

    syncer.sync(DesiredDatapath.compute(image, node, hostAddresses()), attachments);
    attached.retainAll(attachments.values().stream().map(MapSyncer.Attachment::ifindex).toList());
    for (Map.Entry<String, MapSyncer.Attachment> a : attachments.entrySet()) {
      if (attached.add(a.getValue().ifindex())) {
        try {
          datapath.attach(a.getValue().ifindex());
        } catch (RuntimeException ex) {
          attached.remove(a.getValue().ifindex());
          complete = false;
          LOG.error("program attach failed endpoint={} ifindex={} error={}", a.getKey(), a.getValue().ifindex(), ex.getMessage());
        }
      }
    }
    for (Map.Entry<String, String> r : toMarkReady.entrySet()) {
      if (!attached.contains(attachments.get(r.getKey()).ifindex())) {
        continue;
      }
      complete &= markReady(r.getKey(), reserved.get(r.getKey()), r.getValue());
    }
    return complete;
  }

  private boolean markReady(String endpoint, String ipv4, String hostInterface) {
    CommandResult result = client.submit(Command.newBuilder().setRequestId("ready-" + endpoint + "-" + UUID.randomUUID())
        .setMarkEndpointReady(MarkEndpointReady.newBuilder().setName(endpoint).setIpv4(ipv4).setInterfaceName(hostInterface))
        .build());
    if (result.hasRejection()) {
      // E.g. the endpoint was deleted meanwhile, or the address is taken: choose again next pass.
      LOG.warn("endpoint ready refused endpoint={} ipv4={} code={} message={}", endpoint, ipv4,
          result.getRejection().getCode(), result.getRejection().getMessage());
      reserved.remove(endpoint);
      return false;
    }
    LOG.info("endpoint ready endpoint={} ipv4={} interface={}", endpoint, ipv4, hostInterface);
    readySubmitted.add(endpoint);
    return true;
  }

  private Set<String> usedAddresses(ClusterImage image) {
    Set<String> used = new HashSet<>(image.endpoints().byIpv4().keys());
    used.addAll(reserved.values());
    return used;
  }

  private List<String> hostAddresses() {
    if (System.nanoTime() - hostRefreshedAt > HOST_REFRESH_NANOS || hostAddresses.isEmpty()) {
      hostAddresses = HostNetwork.ipv4Addresses();
      hostRefreshedAt = System.nanoTime();
    }
    return hostAddresses;
  }

  @Override
  public void close() {
    syncer.close();
  }
}
