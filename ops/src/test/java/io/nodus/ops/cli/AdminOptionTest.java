package io.nodus.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodus.rest.RestConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --admin}: Dropwizard's admin context is off unless asked for, and then on loopback only. */
class AdminOptionTest {
  private static final CommandLine CLI = new CommandLine(new NodusCommand());

  @Test
  void leavesTheAdminContextOffWithoutTheFlag() {
    assertThat(ServerOptions.rest(CLI, "127.0.0.1:9400", null).adminPort()).isEqualTo(RestConfig.ADMIN_OFF);
  }

  @Test
  void bindsTheAdminContextToTheGivenLoopbackPort() {
    assertThat(ServerOptions.rest(CLI, "127.0.0.1:9400", "127.0.0.1:9404").adminPort()).isEqualTo(9404);
    assertThat(ServerOptions.rest(CLI, "127.0.0.1:9400", "9404").adminPort()).isEqualTo(9404);
  }

  @Test
  void refusesANonLoopbackAdminAddressClearly() {
    for (String address : new String[] {"0.0.0.0:9404", "10.0.0.1:9404", "[::]:9404"}) {
      assertThatThrownBy(() -> ServerOptions.rest(CLI, "127.0.0.1:9400", address))
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessageContaining("--admin")
          .hasMessageContaining("127.0.0.1 only");
    }
    assertThatThrownBy(() -> ServerOptions.rest(CLI, "127.0.0.1:9400", "127.0.0.1:http")).hasMessageContaining("--admin");
  }

  @Test
  void refusesAdminWithoutRestInTheControllerVerb() {
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new NodusCommand()).setErr(new PrintWriter(err));
    int exit = cli.execute("controller", "--id", "c1", "--data-dir", "/nonexistent", "--peers", "c1=127.0.0.1:1",
        "--admin", "127.0.0.1:9404");
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--admin needs --rest");
  }
}
