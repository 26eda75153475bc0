package io.nodus.bpf.maps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.nodus.bpf.libbpf.BpfMap;
import io.nodus.bpf.libbpf.MapType;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code nodus_policy}: hash of maps from endpoint id to that endpoint's {@link PolicyMap}. Each
 * inner map is pinned at {@code <pinRoot>/nodus_policy_<endpointId>} so that a restarted agent
 * opens the very map the datapath uses, with its entries, instead of rebuilding it.
 *
 * <p>Ordering: an inner map is pinned before it is inserted into the outer map, and removed from
 * the outer map before it is unpinned, so a crash in between leaves at worst a pinned map that
 * {@link #openOrCreate} puts back. Threading: one writer per endpoint (the agent's map syncer).
 */
public final class PolicyMaps implements AutoCloseable {
    public static final MapShape SHAPE = new MapShape("nodus_policy", MapType.HASH_OF_MAPS, null, 4, null, 4);
    public static final String INNER_PIN_PREFIX = "nodus_policy_";

    private static final Logger LOG = LoggerFactory.getLogger(PolicyMaps.class);

    private final BpfMap outer;
    private final Path pinRoot;

    public PolicyMaps(BpfMap outer, Path pinRoot) {
        this.outer = SHAPE.check(outer);
        this.pinRoot = pinRoot;
    }

    public static PolicyMaps openPinned(Path pinRoot) {
        return new PolicyMaps(BpfMap.openPinned(pinRoot.resolve(SHAPE.mapName())), pinRoot);
    }

    public BpfMap map() {
        return outer;
    }

    public Path pinPath(int endpointId) {
        return pinRoot.resolve(INNER_PIN_PREFIX + endpointId);
    }

    /** Creates, pins and installs an empty policy map for the endpoint; fails if one is pinned. */
    public PolicyMap create(int endpointId) {
        checkId(endpointId);
        BpfMap inner = BpfMap.create(MapType.HASH, PolicyMap.SHAPE.keySize(), PolicyMap.SHAPE.valueSize(),
                PolicyMap.MAX_ENTRIES, PolicyMap.MAP_FLAGS, "nodus_pol_" + endpointId);
        try {
            inner.pin(pinPath(endpointId));
        } catch (RuntimeException e) {
            inner.close();
            throw e;
        }
        try {
            install(endpointId, inner);
        } catch (RuntimeException e) {
            unpin(endpointId);
            inner.close();
            throw e;
        }
        LOG.debug("endpoint={} policy map created id={}", endpointId, inner.id());
        return new PolicyMap(endpointId, inner);
    }

    /** Opens the pinned policy map of the endpoint (e.g. after a restart), re-installing it if needed. */
    public Optional<PolicyMap> open(int endpointId) {
        checkId(endpointId);
        Path pin = pinPath(endpointId);
        if (!Files.exists(pin)) {
            return Optional.empty();
        }
        BpfMap inner = BpfMap.openPinned(pin);
        try {
            if (installedMapId(endpointId).orElse(-1) != inner.id()) {
                install(endpointId, inner);
            }
            return Optional.of(new PolicyMap(endpointId, inner));
        } catch (RuntimeException e) {
            inner.close();
            throw e;
        }
    }

    public PolicyMap openOrCreate(int endpointId) {
        return open(endpointId).orElseGet(() -> create(endpointId));
    }

    /** Kernel id of the inner map the datapath uses for this endpoint, if any. */
    public Optional<Integer> installedMapId(int endpointId) {
        return outer.lookup(encodeKey(endpointId))
                .map(v -> ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getInt(0));
    }

    /** Uninstalls and unpins the endpoint's policy map. Returns false if there was neither. */
    public boolean remove(int endpointId) {
        checkId(endpointId);
        boolean installed = outer.delete(encodeKey(endpointId));
        boolean pinned = unpin(endpointId);
        return installed || pinned;
    }

    /** Endpoint ids with a policy map installed in the datapath. */
    public Set<Integer> endpointIds() {
        Set<Integer> ids = new TreeSet<>();
        for (byte[] key : outer.keys()) {
            ids.add(ByteBuffer.wrap(key).order(ByteOrder.nativeOrder()).getInt(0));
        }
        return ids;
    }

    private void install(int endpointId, BpfMap inner) {
        // A map-in-map value is written as the inner map's fd and read back as its id.
        byte[] fd = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(inner.fd()).array();
        outer.update(encodeKey(endpointId), fd, BpfMap.BPF_ANY);
    }

    private boolean unpin(int endpointId) {
        try {
            return Files.deleteIfExists(pinPath(endpointId));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpin " + pinPath(endpointId), e);
        }
    }

    private static byte[] encodeKey(int endpointId) {
        return ByteBuffer.allocate(SHAPE.keySize()).order(ByteOrder.nativeOrder()).putInt(endpointId).array();
    }

    private static void checkId(int endpointId) {
        if (endpointId < 0) {
            throw new IllegalArgumentException("endpointId must be >= 0, was " + endpointId);
        }
    }

    @Override
    public void close() {
        outer.close();
    }
}
