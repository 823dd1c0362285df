package dev.tendril.cli.policy;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tendril policy ...}: what the policy service decided and why. */
@Command(
        name = "policy",
        mixinStandardHelpOptions = true,
        description = "Inspect network policy: trace a connection, list selectors, show an identity's policy map.",
        subcommands = {PolicyTraceCommand.class, PolicySelectorsCommand.class, PolicyMapCommand.class})
public final class PolicyCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "missing a subcommand (try 'tendril policy trace --help')");
    }
}
