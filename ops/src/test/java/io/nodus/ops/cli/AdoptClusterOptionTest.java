package io.nodus.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --adopt-cluster}: a cluster id as `nodus datapath status` names it, refused before anything starts. */
class AdoptClusterOptionTest {
  private static final CommandLine CLI = new CommandLine(new NodusCommand());
  private static final String UUID = "b9a1079a-6207-3bba-a540-626e4c35eabd";

  @Test
  void takesAClusterIdInEitherCaseAndNoneWithoutTheFlag() {
    assertThat(ServerOptions.clusterId(CLI, null)).isEmpty();
    assertThat(ServerOptions.clusterId(CLI, UUID)).isEqualTo(UUID);
    assertThat(ServerOptions.clusterId(CLI, " " + UUID.toUpperCase() + " ")).isEqualTo(UUID);
  }

  @Test
  void refusesAnythingElseNamingTheOption() {
    for (String bad : new String[] {"", "yes", "b9a1079a62073bbaa540626e4c35eabd", "1-2-3-4-5", UUID + "0"}) {
      assertThatThrownBy(() -> ServerOptions.clusterId(CLI, bad)).as(bad)
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessageContaining("--adopt-cluster")
          .hasMessageContaining("is not a cluster id");
    }
  }

  @Test
  void theAgentVerbRefusesABadIdBeforeItStarts() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new NodusCommand()).setErr(new PrintWriter(err));
    assertThat(cli.execute("agent", "--node", "n", "--adopt-cluster", "the-new-one")).isEqualTo(2);
    assertThat(err.toString()).contains("--adopt-cluster: 'the-new-one' is not a cluster id");
  }
}
