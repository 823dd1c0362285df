package dev.tendril.cli.ipam;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tendril ipam ...}: the IPAM service's own views. */
@Command(
        name = "ipam",
        mixinStandardHelpOptions = true,
        description = "Inspect pod address management.",
        subcommands = {IpamStatusCommand.class})
public final class IpamCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "missing a subcommand (try 'tendril ipam status')");
    }
}
