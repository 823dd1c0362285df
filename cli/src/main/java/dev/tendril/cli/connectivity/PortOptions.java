package dev.tendril.cli.connectivity;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code --port} and {@code --protocol} options of {@code connectivity probe} and {@code matrix}, checked. */
public final class PortOptions {

    @Option(names = "--port", required = true, paramLabel = "PORT", description = "Destination port, 1..65535.")
    int port;

    @Option(
            names = "--protocol",
            paramLabel = "PROTO",
            defaultValue = "TCP",
            description = "TCP, UDP or SCTP (default: ${DEFAULT-VALUE}).")
    String protocol;

    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    /** The port; a usage error (exit 2) out of 1..65535. */
    int port() {
        if (port < 1 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be 1..65535, not " + port);
        }
        return port;
    }

    /** The upper-case protocol; a usage error (exit 2) for one the datapath does not know. */
    String protocol() {
        try {
            return Prober.protocol(protocol);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }
}
