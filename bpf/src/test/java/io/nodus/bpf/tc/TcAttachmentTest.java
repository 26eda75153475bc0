package io.nodus.bpf.tc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import io.nodus.bpf.Datapath;
import io.nodus.bpf.libbpf.BpfObject;
import io.nodus.bpf.netns.NetNs;
import io.nodus.bpf.testing.BpfFs;
import io.nodus.bpf.testing.Cmd;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Attaching, replacing, querying and detaching tc programs on a veth in a test namespace. */
class TcAttachmentTest {
    private String ns;
    private Path pinRoot;
    private Datapath datapath;
    private int ifindex;

    @BeforeEach
    void setUp() throws Exception {
        ns = "nodus-tctest-" + BpfFs.randomSuffix();
        Cmd.run("ip", "netns", "add", ns);
        Cmd.run("ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb");
        ifindex = NetNs.ifindex(ns, "va");
        pinRoot = BpfFs.newPinRoot();
        datapath = Datapath.open(pinRoot);
    }

    @AfterEach
    void tearDown() {
        if (datapath != null) {
            datapath.close();
        }
        Cmd.quiet("ip", "netns", "del", ns);
        BpfFs.deleteRecursively(pinRoot);
    }

    @Test
    void nothingIsAttachedToAFreshInterface() throws Exception {
        TcAttachment ingress = new TcAttachment(ifindex, TcDirection.INGRESS);
        assertThat(NetNs.call(ns, ingress::attachedProgramId)).isEmpty();
        assertThat(NetNs.call(ns, ingress::detach)).isFalse();
    }

    @Test
    void attachQueryReplaceAndDetach() throws Exception {
        TcAttachment ingress = new TcAttachment(ifindex, TcDirection.INGRESS);
        TcAttachment egress = new TcAttachment(ifindex, TcDirection.EGRESS);
        int fromId = BpfObject.programId(datapath.fromEndpointProgramFd());
        int toId = BpfObject.programId(datapath.toEndpointProgramFd());

        NetNs.run(ns, () -> ingress.attach(datapath.fromEndpointProgramFd()));
        NetNs.run(ns, () -> egress.attach(datapath.toEndpointProgramFd()));
        assertThat(NetNs.call(ns, ingress::attachedProgramId)).hasValue(fromId);
        assertThat(NetNs.call(ns, egress::attachedProgramId)).hasValue(toId);
        assertThat(NetNs.call(ns, () -> datapath.isAttached(ifindex))).isTrue();
        assertThat(tcFilters("ingress"))
                .contains("nodus_from_endp").contains("direct-action").contains("id " + fromId);

        // Re-attaching (e.g. a restarted agent) replaces in place: still one filter, the new program.
        NetNs.run(ns, () -> ingress.attach(datapath.toEndpointProgramFd()));
        assertThat(NetNs.call(ns, ingress::attachedProgramId)).hasValue(toId);
        assertThat(tcFilters("ingress").lines().filter(l -> l.contains(" handle ")).count()).isEqualTo(1);

        assertThat(NetNs.call(ns, ingress::detach)).isTrue();
        assertThat(NetNs.call(ns, ingress::attachedProgramId)).isEmpty();
        assertThat(NetNs.call(ns, egress::attachedProgramId)).hasValue(toId);
    }

    private String tcFilters(String direction) {
        // nsenter, not "ip netns exec": only the network namespace changes.
        return Cmd.run("nsenter", "--net=" + NetNs.path(ns), "tc", "filter", "show", "dev", "va", direction);
    }

    @Test
    void attachmentOutlivesTheProgramFds() throws Exception {
        int fromId = BpfObject.programId(datapath.fromEndpointProgramFd());
        NetNs.run(ns, () -> datapath.attach(ifindex));
        datapath.close();
        datapath = null;
        assertThat(NetNs.call(ns, () -> new TcAttachment(ifindex, TcDirection.INGRESS).attachedProgramId()))
                .hasValue(fromId);
    }
}
