package io.nodus.ops.cli;

import io.nodus.ops.demo.DemoCommand;
import picocli.CommandLine.Command;

/** The top-level {@code nodus} command. */
@Command(name = "nodus", mixinStandardHelpOptions = true, version = "nodus 0.1.0",
    description = "Identity-based networking and security for Linux workloads, enforced by BPF.",
    subcommands = {
        UpCommand.class, ControllerCommand.class, AgentCommand.class,
        EndpointCommand.class, PolicyCommand.class, InfoCommands.Identity.class, InfoCommands.Node.class,
        ServiceCommand.class, IpamCommand.class, MonitorCommand.class, DatapathCommand.class, InfoCommands.Cluster.class, DemoCommand.class})
public final class NodusCommand {}
