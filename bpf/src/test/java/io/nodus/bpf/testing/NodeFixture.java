package io.nodus.bpf.testing;

import java.nio.file.Path;

import io.nodus.bpf.Datapath;
import io.nodus.bpf.DatapathSizes;
import io.nodus.bpf.events.EventReader;
import io.nodus.bpf.maps.EndpointInfo;
import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.bpf.netns.NetNs;

/**
 * A node with a loaded datapath and two endpoints, "srv" (echo servers on TCP 80 and 8080, UDP
 * 5353 and 5354) and "cli", both registered in the ipcache and the endpoint map with enforcement
 * off, and the programs attached to both host veths. Every name and pin is unique to the fixture;
 * {@link #close()} removes all of it even after a failure.
 */
public final class NodeFixture implements AutoCloseable {
    public static final int SERVER_IDENTITY = 1001;
    public static final int CLIENT_IDENTITY = 1002;
    public static final int SERVER_ENDPOINT = 11;
    public static final int CLIENT_ENDPOINT = 12;
    public static final String SERVER_IP = "10.77.0.10";
    public static final String CLIENT_IP = "10.77.0.20";
    public static final int[] TCP_PORTS = {80, 8080};
    public static final int[] UDP_PORTS = {5353, 5354};

    public final Path pinRoot = BpfFs.newPinRoot();
    public final EventCollector events = new EventCollector();
    public final Traffic traffic = new Traffic();
    public Topology topology;
    public Topology.Endpoint server;
    public Topology.Endpoint client;
    public Datapath datapath;
    private EventReader reader;

    private final DatapathSizes sizes;

    private NodeFixture(DatapathSizes sizes) {
        this.sizes = sizes;
    }

    public static NodeFixture start() throws Exception {
        return start(DatapathSizes.DEFAULTS);
    }

    /** A fixture whose datapath is loaded with {@code sizes} (e.g. a tiny CT table). */
    public static NodeFixture start(DatapathSizes sizes) throws Exception {
        NodeFixture f = new NodeFixture(sizes);
        try {
            f.topology = Topology.create();
            f.server = f.topology.addEndpoint("srv", SERVER_IP);
            f.client = f.topology.addEndpoint("cli", CLIENT_IP);
            for (int port : TCP_PORTS) {
                f.traffic.tcpEchoServer(f.server.ns(), port);
            }
            for (int port : UDP_PORTS) {
                f.traffic.udpEchoServer(f.server.ns(), port);
            }
            f.openAndAttach();
            f.datapath.ipcache().put(Ipv4Prefix.host(f.server.ip()), IpCacheEntry.local(SERVER_IDENTITY));
            f.datapath.ipcache().put(Ipv4Prefix.host(f.client.ip()), IpCacheEntry.local(CLIENT_IDENTITY));
            f.setEndpoint(f.server, false, false);
            f.setEndpoint(f.client, false, false);
            return f;
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
    }

    /** Loads the datapath over the pins, starts the event reader, attaches to both host veths. */
    public void openAndAttach() throws Exception {
        datapath = Datapath.open(pinRoot, sizes);
        reader = datapath.readEvents(events);
        for (Topology.Endpoint ep : topology.endpoints()) {
            NetNs.run(topology.nodeNs(), () -> datapath.attach(ep.hostIfindex()));
        }
    }

    /** Stops reading events: the ring buffer fills up as the kernel writes. */
    public void stopEvents() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }

    /** Closes every Java handle (reader, object, fds) as an agent exit would; kernel state stays. */
    public void closeHandles() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
        if (datapath != null) {
            datapath.close();
            datapath = null;
        }
    }

    public void setEndpoint(Topology.Endpoint ep, boolean ingressEnforced, boolean egressEnforced) {
        boolean isServer = ep.equals(server);
        datapath.endpoints().put(ep.hostIfindex(), new EndpointInfo(isServer ? SERVER_ENDPOINT : CLIENT_ENDPOINT,
                isServer ? SERVER_IDENTITY : CLIENT_IDENTITY, ep.ip(), ingressEnforced, egressEnforced));
    }

    public boolean tcp(int port) throws Exception {
        return traffic.tcpWorks(client.ns(), server.ip(), port);
    }

    public boolean udp(int port) throws Exception {
        return traffic.udpWorks(client.ns(), server.ip(), port);
    }

    public boolean udp(int port, int size) throws Exception {
        return traffic.udpWorks(client.ns(), server.ip(), port, size);
    }

    public boolean ping() throws Exception {
        return traffic.pingWorks(client.ns(), server.ip());
    }

    @Override
    public void close() {
        try {
            closeHandles();
        } finally {
            traffic.close();
            if (topology != null) {
                topology.close();
            }
            BpfFs.deleteRecursively(pinRoot);
        }
    }
}
