package io.nodus.bpf.testing;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

import io.nodus.bpf.maps.Ipv4;
import io.nodus.bpf.netns.NetNs;

/**
 * A node and its endpoints, as network namespaces on this machine: a "node" namespace with IPv4
 * forwarding on (the root namespace is never touched) and, per endpoint, a namespace whose
 * {@code eth0} (one /32 address) is veth-paired with a host-side interface in the node namespace.
 *
 * <p>Routing: each endpoint's default route goes via 169.254.1.1 on eth0, an address every host
 * veth carries, so the node answers ARP for it; the node routes each endpoint /32 to its veth.
 * All names carry a random suffix; {@link #close()} deletes the namespaces, which removes the
 * veths and any tc filters on them.
 */
public final class Topology implements AutoCloseable {
    public static final String GATEWAY = "169.254.1.1";

    private final String suffix = BpfFs.randomSuffix();
    private final String nodeNs = "nodus-node-" + suffix;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Endpoint> endpoints = new ArrayList<>();

    /** One endpoint: its namespace, host-side veth (name and ifindex in the node ns) and address. */
    public record Endpoint(String ns, String hostIf, int hostIfindex, Inet4Address ip) {
    }

    public static Topology create() {
        Topology t = new Topology();
        try {
            t.createNode();
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    public String nodeNs() {
        return nodeNs;
    }

    public List<Endpoint> endpoints() {
        return List.copyOf(endpoints);
    }

    private void createNode() {
        Cmd.run("ip", "netns", "add", nodeNs);
        namespaces.add(nodeNs);
        Cmd.run("ip", "-n", nodeNs, "link", "set", "lo", "up");
        // /proc/sys/net follows the opener's namespace; nsenter keeps the mount namespace.
        Cmd.run("nsenter", "--net=" + NetNs.path(nodeNs), "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward");
    }

    /** Adds an endpoint namespace behind a new veth pair. */
    public Endpoint addEndpoint(String shortName, String ip) {
        String ns = "nodus-" + shortName + "-" + suffix;
        String hostIf = "nh" + shortName + suffix; // <= 15 chars for short names up to 7 chars
        if (hostIf.length() > 15) {
            throw new IllegalArgumentException("interface name too long: " + hostIf);
        }
        Cmd.run("ip", "netns", "add", ns);
        namespaces.add(ns);
        Cmd.run("ip", "link", "add", hostIf, "netns", nodeNs, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Cmd.run("ip", "-n", nodeNs, "addr", "add", GATEWAY + "/32", "dev", hostIf);
        Cmd.run("ip", "-n", nodeNs, "link", "set", hostIf, "up");
        Cmd.run("ip", "-n", nodeNs, "route", "add", ip + "/32", "dev", hostIf, "scope", "link");
        Cmd.run("ip", "-n", ns, "link", "set", "lo", "up");
        Cmd.run("ip", "-n", ns, "addr", "add", ip + "/32", "dev", "eth0");
        Cmd.run("ip", "-n", ns, "link", "set", "eth0", "up");
        Cmd.run("ip", "-n", ns, "route", "add", GATEWAY, "dev", "eth0", "scope", "link");
        Cmd.run("ip", "-n", ns, "route", "add", "default", "via", GATEWAY, "dev", "eth0");
        int ifindex;
        try {
            ifindex = NetNs.ifindex(nodeNs, hostIf);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Endpoint ep = new Endpoint(ns, hostIf, ifindex, Ipv4.parse(ip));
        endpoints.add(ep);
        return ep;
    }

    @Override
    public void close() {
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            Cmd.Result r = Cmd.quiet("ip", "netns", "del", namespaces.get(i));
            if (r.exitCode() != 0) {
                System.err.println("could not delete netns " + namespaces.get(i) + ": " + r.output());
            }
        }
        namespaces.clear();
    }
}
