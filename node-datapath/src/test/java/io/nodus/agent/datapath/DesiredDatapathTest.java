package io.nodus.agent.datapath;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodus.bpf.maps.IpCacheEntry;
import io.nodus.bpf.maps.Ipv4;
import io.nodus.bpf.maps.Ipv4Prefix;
import io.nodus.state.CommandApplier;
import io.nodus.state.image.ClusterImage;
import io.nodus.state.model.Labels;
import io.nodus.state.model.ReservedIdentity;
import io.nodus.state.proto.Command;
import io.nodus.state.proto.CreateEndpoint;
import io.nodus.state.proto.Identity;
import io.nodus.state.proto.LabelSet;
import io.nodus.state.proto.LoggedCommand;
import io.nodus.state.proto.MarkEndpointReady;
import io.nodus.state.proto.RegisterNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DesiredDatapathTest {
  private ClusterImage image = ClusterImage.EMPTY;

  private void apply(Command c) {
    CommandApplier.Applied a = CommandApplier.apply(image, LoggedCommand.newBuilder().setCommand(c).build(), image.revision() + 1);
    assertThat(a.result().hasAccepted()).as(a.result().toString()).isTrue();
    image = a.image();
  }

  private void endpoint(String name, String node, String app, String ip) {
    apply(Command.newBuilder().setCreateEndpoint(CreateEndpoint.newBuilder().setName(name).setNode(node)
        .setLabels(LabelSet.newBuilder().addLabels(Labels.label("k8s", "app", app)))).build());
    if (ip != null) {
      apply(Command.newBuilder().setMarkEndpointReady(MarkEndpointReady.newBuilder().setName(name).setIpv4(ip).setInterfaceName("nd" + name)).build());
    }
  }

  @Test
  void ipcacheHoldsReadyEndpointsHostAddressesAndOtherNodes() {
    apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("a").setUnderlayIp("192.0.2.1")).build());
    apply(Command.newBuilder().setRegisterNode(RegisterNode.newBuilder().setName("b").setUnderlayIp("192.0.2.2")).build());
    endpoint("web", "a", "web", "10.200.0.2");
    endpoint("db", "b", "db", "10.200.1.2");
    endpoint("pending", "a", "web", null);

    Map<Ipv4Prefix, IpCacheEntry> d = DesiredDatapath.ipcache(image, "a", List.of("192.0.2.1", "127.0.0.1"));
    int web = image.endpoints().get("web").orElseThrow().getIdentity();
    int db = image.endpoints().get("db").orElseThrow().getIdentity();
    assertThat(d).containsEntry(Ipv4Prefix.parse("10.200.0.2/32"), IpCacheEntry.local(web));
    assertThat(d).containsEntry(Ipv4Prefix.parse("10.200.1.2/32"), new IpCacheEntry(db, Ipv4.parse("192.0.2.2"), 0));
    assertThat(d).containsEntry(Ipv4Prefix.parse("192.0.2.1/32"), IpCacheEntry.local(ReservedIdentity.HOST.id()));
    assertThat(d).containsEntry(Ipv4Prefix.parse("192.0.2.2/32"), IpCacheEntry.local(ReservedIdentity.REMOTE_NODE.id()));
    assertThat(d).hasSize(5);
  }

  @Test
  void cidrIdentitiesArePrefixesOfTheLongestMatchAndOthersAreNot() {
    Identity cidr = Identity.newBuilder().setId(ReservedIdentity.LOCAL_SCOPE | 3)
        .setLabels(LabelSet.newBuilder().addLabels(Labels.label("cidr", "10.0.0.0/8", ""))
            .addLabels(Labels.label("reserved", "world", ""))).build();
    assertThat(DesiredDatapath.cidrPrefix(cidr)).contains(Ipv4Prefix.parse("10.0.0.0/8"));
    Identity v6 = cidr.toBuilder().setLabels(LabelSet.newBuilder().addLabels(Labels.label("cidr", "2001:db8::/32", ""))).build();
    assertThat(DesiredDatapath.cidrPrefix(v6)).isEmpty();
    Identity notLocal = cidr.toBuilder().setId(300).build();
    assertThat(DesiredDatapath.cidrPrefix(notLocal)).isEmpty();
  }
}
