package io.nodus.agent.plumbing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Plumbing against the real kernel: a namespace and veth are created, found, and removed. */
class EndpointPlumberTest {
  private final String id = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
  private final String node = "plumb-" + id;
  private final String endpoint = "ep-" + id;
  private final EndpointPlumber plumber = new EndpointPlumber(node);

  @AfterEach
  void cleanUp() {
    plumber.unplumb(endpoint);
  }

  @Test
  void plumbsFindsAndRemovesAnEndpoint() {
    EndpointPlumber.Plumbed p = plumber.plumb(endpoint, "10.251.0.2");
    assertThat(Path.of("/var/run/netns", endpoint)).exists();
    assertThat(p.hostInterface()).isEqualTo(EndpointPlumber.hostInterfaceName(node, endpoint)).hasSizeLessThanOrEqualTo(15);
    assertThat(EndpointPlumber.ifindex(p.hostInterface())).contains(p.hostIfindex());
    assertThat(Shell.run("ip", "-n", endpoint, "-4", "addr", "show", "dev", "eth0")).contains("10.251.0.2/32");
    assertThat(Shell.run("ip", "route", "show", "10.251.0.2")).contains(p.hostInterface());
    assertThat(plumber.ownedLinks()).contains(new EndpointPlumber.OwnedLink(p.hostInterface(), node, endpoint));

    // Plumbing again is harmless and keeps the interface.
    assertThat(plumber.plumb(endpoint, "10.251.0.2").hostIfindex()).isEqualTo(p.hostIfindex());
    assertThat(plumber.inspect(endpoint)).contains(p);

    plumber.unplumb(endpoint);
    assertThat(Files.exists(Path.of("/var/run/netns", endpoint))).isFalse();
    assertThat(EndpointPlumber.ifindex(p.hostInterface())).isEmpty();
    assertThat(plumber.inspect(endpoint)).isEmpty();
    assertThat(plumber.ownedLinks()).isEmpty();
  }
}
