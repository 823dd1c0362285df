package dev.tendril.cli.connectivity;

import picocli.CommandLine.Command;

/** {@code tendril connectivity}: the probe, matrix and test subcommands. */
@Command(
        name = "connectivity",
        mixinStandardHelpOptions = true,
        description = "Probe whether pods can reach each other through the agents' datapath.",
        subcommands = {ProbeCommand.class, MatrixCommand.class, ConnectivityTestCommand.class})
public final class ConnectivityCommand {}
