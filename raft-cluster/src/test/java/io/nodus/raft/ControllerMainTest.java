package io.nodus.raft;

import static io.nodus.raft.testing.Fixtures.registerNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.raft.client.GrpcControlPlaneClient;
import io.nodus.raft.server.ConfigurationException;
import io.nodus.raft.server.ControllerConfig;
import io.nodus.raft.server.HostPort;
import io.nodus.raft.testing.ControllerProcess;
import io.nodus.raft.testing.Fixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller process: flags, the ready line, a clean stop on SIGTERM. */
class ControllerMainTest {
  @TempDir
  Path root;

  @Test
  void parsesPeersAndAddresses() {
    ControllerConfig config = ControllerMain.parse(new String[] {
        "--id", "c2", "--peers", "c1=10.0.0.1:9402,c2=10.0.0.2:9402", "--data-dir", "/var/lib/nodus",
        "--grpc", "0.0.0.0:9401", "--snapshot-interval", "500"});

    assertThat(config.memberId()).isEqualTo("c2");
    assertThat(config.peers()).containsExactly(
        java.util.Map.entry("c1", new HostPort("10.0.0.1", 9402)), java.util.Map.entry("c2", new HostPort("10.0.0.2", 9402)));
    assertThat(config.raftBind()).isEqualTo(new HostPort("10.0.0.2", 9402));
    assertThat(config.grpcBind()).isEqualTo(new HostPort("0.0.0.0", 9401));
    assertThat(config.snapshotInterval()).isEqualTo(500);
  }

  @Test
  void parsesAJoiningMemberAndItsLogSettings() {
    ControllerConfig config = ControllerMain.parse(new String[] {
        "--id", "c4", "--peers", "c1=127.0.0.1:9402,c4=127.0.0.1:9502", "--data-dir", "d", "--join",
        "--log-segment-bytes", "8192", "--event-retention", "50"});

    assertThat(config.join()).isTrue();
    assertThat(config.logSegmentBytes()).isEqualTo(8192);
    assertThat(config.eventRetention()).isEqualTo(50);
    assertThat(ControllerMain.parse(new String[] {"--id", "c1", "--peers", "c1=127.0.0.1:9402", "--data-dir", "d"}).join())
        .isFalse();
  }

  @Test
  void refusesPeersThatDoNotNameThisMember() {
    assertThatThrownBy(() -> ControllerMain.parse(new String[] {
        "--id", "c9", "--peers", "c1=127.0.0.1:9402", "--data-dir", "x"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("c9");
  }

  @Test
  void refusesAMemberGivenTwiceInPeers() {
    assertThatThrownBy(() -> ControllerMain.parse(new String[] {"--id", "c1", "--peers", "c1=127.0.0.1:9402,c1=127.0.0.1:9502",
        "--data-dir", "d"}))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("c1 is given twice");
  }

  @Test
  void refusesTwoMembersOnOneAddress() {
    assertThatThrownBy(() -> ControllerMain.parse(new String[] {"--id", "c1", "--peers", "c1=127.0.0.1:9402,c2=127.0.0.1:9402",
        "--data-dir", "d"}))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("c1 and c2 have the same address 127.0.0.1:9402");
  }

  @Test
  void refusesPeerAddressesNoOneCanDial() {
    for (String bad : new String[] {"0.0.0.0:9402", "255.255.255.255:9402", "239.1.2.3:9402", "127.0.0.1:0", "127.0.0.1:70000"}) {
      assertThatThrownBy(() -> ControllerMain.parse(new String[] {"--id", "c1", "--peers", "c1=" + bad, "--data-dir", "d"}))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void servesUntilSigtermThenStopsCleanly() throws Exception {
    HostPort grpc = new HostPort("127.0.0.1", Fixtures.freePort());
    ControllerProcess controller = ControllerProcess.start("c1", "c1=127.0.0.1:" + Fixtures.freePort(),
        root.resolve("c1"), grpc);
    try {
      controller.awaitReady(Duration.ofSeconds(30));
      try (GrpcControlPlaneClient client = GrpcControlPlaneClient.connect(List.of(grpc.toString()))) {
        assertThat(client.submit(registerNode("n1")).hasAccepted()).isTrue();
      }

      controller.stop(Duration.ofSeconds(20));

      assertThat(controller.isAlive()).isFalse();
      // 143 = terminated by SIGTERM after the shutdown hook ran; the hook logged the stop.
      assertThat(controller.exitValue()).isEqualTo(143);
      assertThat(controller.tail()).contains("controller stopped id=c1 revision=1");
    } finally {
      controller.kill();
    }
  }
}
