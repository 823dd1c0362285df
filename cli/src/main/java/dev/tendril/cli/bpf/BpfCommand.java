package dev.tendril.cli.bpf;

import picocli.CommandLine.Command;

/** {@code tendril bpf}: map dumps of one agent, grouped as in {@code cilium bpf}. */
@Command(
        name = "bpf",
        mixinStandardHelpOptions = true,
        description = "Show an agent's datapath maps (ipcache, endpoints, policy, load balancing) and programs.",
        subcommands = {
            BpfCommand.Ipcache.class,
            BpfCommand.Endpoint.class,
            BpfCommand.Policy.class,
            BpfCommand.Lb.class,
            BpfCommand.Prog.class
        })
public final class BpfCommand {

    @Command(
            name = "ipcache",
            mixinStandardHelpOptions = true,
            description = "The ipcache map: prefix to identity.",
            subcommands = IpcacheListCommand.class)
    static final class Ipcache {}

    @Command(
            name = "endpoint",
            mixinStandardHelpOptions = true,
            description = "The local endpoints map (cilium_lxc): address to endpoint.",
            subcommands = EndpointListCommand.class)
    static final class Endpoint {}

    @Command(
            name = "policy",
            mixinStandardHelpOptions = true,
            description = "An endpoint's policy map.",
            subcommands = PolicyGetCommand.class)
    static final class Policy {}

    @Command(
            name = "lb",
            mixinStandardHelpOptions = true,
            description = "The load-balancing maps (services, backends, reverse NAT).",
            subcommands = LbListCommand.class)
    static final class Lb {}

    @Command(
            name = "prog",
            mixinStandardHelpOptions = true,
            description = "The BPF programs attached per endpoint (tcx or tc) and for socket load balancing.",
            subcommands = ProgListCommand.class)
    static final class Prog {}
}
