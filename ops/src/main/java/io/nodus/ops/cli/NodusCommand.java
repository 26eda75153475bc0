package io.nodus.ops.cli;

import io.nodus.ops.demo.DemoCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/**
 * The top-level {@code nodus} command. Its standard help options are inherited by every verb and
 * sub-verb ({@code scope = INHERIT}): {@code nodus policy --help}, {@code nodus policy list -h}.
 */
@Command(name = "nodus", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "nodus 0.1.0",
    description = "Identity-based networking and security for Linux workloads, enforced by BPF.",
    subcommands = {
        UpCommand.class, ControllerCommand.class, AgentCommand.class,
        EndpointCommand.class, PolicyCommand.class, InfoCommands.Identity.class, InfoCommands.Node.class,
        ServiceCommand.class, IpamCommand.class, MonitorCommand.class, DatapathCommand.class, InfoCommands.Cluster.class, DemoCommand.class,
        CompletionCommand.class})
public final class NodusCommand {}
