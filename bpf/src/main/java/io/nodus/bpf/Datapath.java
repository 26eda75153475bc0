package io.nodus.bpf;

import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import io.nodus.bpf.events.DatapathEvent;
import io.nodus.bpf.events.EventReader;
import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.BpfObject;
import io.nodus.bpf.maps.ConfigMap;
import io.nodus.bpf.maps.CtMap;
import io.nodus.bpf.maps.EndpointMap;
import io.nodus.bpf.maps.IpCacheMap;
import io.nodus.bpf.maps.LogPositionMap;
import io.nodus.bpf.maps.MetricsMap;
import io.nodus.bpf.maps.PolicyMaps;
import io.nodus.bpf.tc.TcAttachment;
import io.nodus.bpf.tc.TcDirection;

/**
 * The node's datapath as one handle: the loaded {@code nodus_datapath.o} with its maps pinned under
 * {@code pinRoot} (conventionally {@code /sys/fs/bpf/nodus/<node>/}), typed views of every map, and
 * attachment of the two programs to an endpoint's host-side veth.
 *
 * <p>Opening over existing pins (an agent restart) reuses the maps and their contents; {@link
 * #attach} then replaces the programs atomically. A pinned map whose definition changed (an
 * upgrade, or a new CT size) is replaced by an empty one ({@link #replacedMaps()}), which the
 * agent refills before it attaches; the old programs keep the old maps until then. {@link
 * #close()} closes file descriptors only: pins and attached programs stay, so enforcement
 * continues while the agent is down.
 *
 * <p>Threading: map views are safe from any thread. {@link #attach}/{@link #detach} act in the
 * calling thread's network namespace, which must be the one holding the interface.
 */
public final class Datapath implements AutoCloseable {
    /** Classpath resource of the compiled datapath. */
    public static final String OBJECT_RESOURCE = "/io/nodus/bpf/nodus_datapath.o";
    /** Attached at tc ingress of the host veth: traffic leaving the endpoint (egress policy). */
    public static final String FROM_ENDPOINT = "nodus_from_endpoint";
    /** Attached at tc egress of the host veth: traffic entering the endpoint (ingress policy). */
    public static final String TO_ENDPOINT = "nodus_to_endpoint";
    public static final String EVENTS_MAP = "nodus_events";

    private final BpfObject object;
    private final IpCacheMap ipcache;
    private final EndpointMap endpoints;
    private final PolicyMaps policies;
    private final CtMap conntrack;
    private final MetricsMap metrics;
    private final ConfigMap config;
    private final LogPositionMap logPosition;
    private final DatapathSizes sizes;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Datapath(BpfObject object, DatapathSizes sizes) {
        this.object = object;
        this.sizes = sizes;
        this.ipcache = new IpCacheMap(object.map(IpCacheMap.SHAPE.mapName()));
        this.endpoints = new EndpointMap(object.map(EndpointMap.SHAPE.mapName()));
        this.policies = new PolicyMaps(object.map(PolicyMaps.SHAPE.mapName()), object.pinRoot(),
                sizes.policyEntries());
        this.conntrack = new CtMap(object.map(CtMap.SHAPE.mapName()));
        this.metrics = new MetricsMap(object.map(MetricsMap.SHAPE.mapName()));
        this.config = new ConfigMap(object.map(ConfigMap.SHAPE.mapName()));
        this.logPosition = new LogPositionMap(object.map(LogPositionMap.SHAPE.mapName()));
    }

    /** Loads the datapath with the default sizes, creating or reusing the pinned maps under {@code pinRoot}. */
    public static Datapath open(Path pinRoot) {
        return open(pinRoot, DatapathSizes.DEFAULTS);
    }

    /** Loads the datapath with {@code sizes}, creating or reusing the pinned maps under {@code pinRoot}. */
    public static Datapath open(Path pinRoot, DatapathSizes sizes) {
        BpfObject object = BpfObject.loadResource(OBJECT_RESOURCE, pinRoot,
                Map.of(CtMap.SHAPE.mapName(), sizes.ctEntries()));
        try {
            Datapath datapath = new Datapath(object, sizes);
            if (object.replacedMaps().contains(PolicyMaps.SHAPE.mapName())) {
                // The endpoint maps belonged to the old nodus_policy (and maybe its old layout).
                datapath.policies.unpinAll();
            }
            return datapath;
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    public Path pinRoot() {
        return object.pinRoot();
    }

    public BpfObject object() {
        return object;
    }

    public IpCacheMap ipcache() {
        return ipcache;
    }

    public EndpointMap endpoints() {
        return endpoints;
    }

    public PolicyMaps policies() {
        return policies;
    }

    public CtMap conntrack() {
        return conntrack;
    }

    public MetricsMap metrics() {
        return metrics;
    }

    public ConfigMap config() {
        return config;
    }

    /** The log position the maps reflect, kept with them (the agent's memory across restarts). */
    public LogPositionMap logPosition() {
        return logPosition;
    }

    public DatapathSizes sizes() {
        return sizes;
    }

    /** Pinned maps this open replaced because their definition changed (empty on a plain restart). */
    public java.util.Set<String> replacedMaps() {
        return object.replacedMaps();
    }

    public BpfMap events() {
        return object.map(EVENTS_MAP);
    }

    public int fromEndpointProgramFd() {
        return object.programFd(FROM_ENDPOINT);
    }

    public int toEndpointProgramFd() {
        return object.programFd(TO_ENDPOINT);
    }

    /**
     * Starts reading datapath events on their own thread. The reader holds its own handle on the
     * ring buffer, so it is independent of this handle's lifetime; close it separately.
     */
    public EventReader readEvents(Consumer<DatapathEvent> consumer) {
        return EventReader.startOwning(BpfMap.openById(events().id()), consumer);
    }

    /**
     * Attaches both programs to an endpoint's host-side veth (replacing any earlier ones).
     * Call from a thread in the veth's network namespace.
     */
    public void attach(int hostIfindex) {
        new TcAttachment(hostIfindex, TcDirection.INGRESS).attach(fromEndpointProgramFd());
        new TcAttachment(hostIfindex, TcDirection.EGRESS).attach(toEndpointProgramFd());
    }

    /** Detaches both programs; call from a thread in the veth's network namespace. */
    public void detach(int hostIfindex) {
        new TcAttachment(hostIfindex, TcDirection.INGRESS).detach();
        new TcAttachment(hostIfindex, TcDirection.EGRESS).detach();
    }

    /** Whether both of this object's programs are the ones attached to the veth. */
    public boolean isAttached(int hostIfindex) {
        OptionalInt from = new TcAttachment(hostIfindex, TcDirection.INGRESS).attachedProgramId();
        OptionalInt to = new TcAttachment(hostIfindex, TcDirection.EGRESS).attachedProgramId();
        return from.isPresent() && to.isPresent()
                && from.getAsInt() == BpfObject.programId(fromEndpointProgramFd())
                && to.getAsInt() == BpfObject.programId(toEndpointProgramFd());
    }

    /** Closes file descriptors; pins and attachments stay in the kernel. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            object.close();
        }
    }
}
