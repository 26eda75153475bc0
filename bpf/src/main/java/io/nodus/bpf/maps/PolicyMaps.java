package io.nodus.bpf.maps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
    private final int defaultCapacity;

    public PolicyMaps(BpfMap outer, Path pinRoot) {
        this(outer, pinRoot, PolicyMap.DEFAULT_CAPACITY);
    }

    /** {@code defaultCapacity}: entries of the maps {@link #openOrCreate} creates. */
    public PolicyMaps(BpfMap outer, Path pinRoot, int defaultCapacity) {
        this.outer = SHAPE.check(outer);
        this.pinRoot = pinRoot;
        if (defaultCapacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, was " + defaultCapacity);
        }
        this.defaultCapacity = defaultCapacity;
    }

    public static PolicyMaps openPinned(Path pinRoot) {
        return new PolicyMaps(BpfMap.openPinned(pinRoot.resolve(SHAPE.mapName())), pinRoot);
    }

    /** Entries of a newly created endpoint policy map. */
    public int defaultCapacity() {
        return defaultCapacity;
    }

    public BpfMap map() {
        return outer;
    }

    public Path pinPath(int endpointId) {
        return pinRoot.resolve(INNER_PIN_PREFIX + endpointId);
    }

    /** Creates, pins and installs an empty policy map of {@code capacity} entries; fails if one is pinned. */
    public PolicyMap create(int endpointId, int capacity) {
        checkId(endpointId);
        BpfMap inner = newInner(endpointId, capacity);
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
        LOG.debug("endpoint={} policy map created id={} capacity={}", endpointId, inner.id(), capacity);
        return new PolicyMap(endpointId, inner);
    }

    /** {@link #create(int, int)} with the {@link #defaultCapacity()}. */
    public PolicyMap create(int endpointId) {
        return create(endpointId, defaultCapacity);
    }

    /**
     * Replaces the endpoint's policy map in one step: a new map of {@code capacity} entries is
     * filled with {@code contents} first, then swapped into {@code nodus_policy} (the datapath sees
     * the old map or the new one, never a mix), then pinned in place of the old one. Used when a
     * change does not fit next to the old entries, or the capacity changes. The caller closes its
     * handle on the old map.
     */
    public PolicyMap replace(int endpointId, int capacity, Map<PolicyKey, PolicyValue> contents) {
        checkId(endpointId);
        if (contents.size() > capacity) {
            throw new IllegalArgumentException(contents.size() + " entries do not fit a map of " + capacity);
        }
        BpfMap inner = newInner(endpointId, capacity);
        PolicyMap fresh = new PolicyMap(endpointId, inner);
        try {
            fresh.apply(contents, java.util.List.of());
            install(endpointId, inner);
            // Crash between these two: the restarted agent finds no pin and installs a new map.
            unpin(endpointId);
            inner.pin(pinPath(endpointId));
        } catch (RuntimeException e) {
            inner.close();
            throw e;
        }
        LOG.debug("endpoint={} policy map replaced id={} capacity={} entries={}", endpointId, inner.id(), capacity,
                contents.size());
        return fresh;
    }

    private static BpfMap newInner(int endpointId, int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, was " + capacity);
        }
        return BpfMap.create(MapType.LPM_TRIE, PolicyMap.SHAPE.keySize(), PolicyMap.SHAPE.valueSize(), capacity,
                PolicyMap.MAP_FLAGS, "nodus_pol_" + endpointId);
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

    /** Endpoint ids that have a pinned policy map under the pin root (installed or not). */
    public Set<Integer> pinnedEndpointIds() {
        Set<Integer> ids = new TreeSet<>();
        try (java.util.stream.Stream<Path> pins = Files.list(pinRoot)) {
            for (Path p : pins.toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(INNER_PIN_PREFIX) && name.substring(INNER_PIN_PREFIX.length()).matches("\\d+")) {
                    ids.add(Integer.parseInt(name.substring(INNER_PIN_PREFIX.length())));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + pinRoot, e);
        }
        return ids;
    }

    /** Unpins every endpoint policy map (after {@code nodus_policy} itself was replaced). */
    public int unpinAll() {
        int n = 0;
        for (int id : pinnedEndpointIds()) {
            n += unpin(id) ? 1 : 0;
        }
        return n;
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
        // Replacing an existing value is atomic for the datapath: a lookup sees the old or the new map.
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
