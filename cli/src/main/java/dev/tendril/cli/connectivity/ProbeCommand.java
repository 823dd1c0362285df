package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.OutputOption;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.PodRef;
import dev.tendril.cli.stack.StackOption;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tendril connectivity probe --from NS/POD --to NS/POD --port N}: one connection, one line; exit 0 on a verdict. */
@Command(name = "probe", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Ask the source pod's agent whether a connection would be forwarded or dropped, and why.")
public final class ProbeCommand implements Callable<Integer> {

    @Option(names = "--from", required = true, paramLabel = "NS/POD", converter = PodRef.Converter.class,
            description = "The source pod.")
    PodRef from;

    @Option(names = "--to", required = true, paramLabel = "NS/POD", converter = PodRef.Converter.class,
            description = "The destination pod.")
    PodRef to;

    @Option(names = "--port", required = true, paramLabel = "PORT", description = "Destination port, 1..65535.")
    int port;

    @Option(names = "--protocol", paramLabel = "PROTO", defaultValue = "TCP",
            description = "TCP, UDP or SCTP (default: ${DEFAULT-VALUE}).")
    String protocol;

    @Mixin
    StackOption stackOption;

    @Mixin
    OutputOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String proto = MatrixCommand.checkPortAndProtocol(spec, port, protocol);
        JsonNode answer = new Prober(Agents.of(stackOption.stack())).probe(from, to, port, proto);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOption.printJson(out, answer);
        } else {
            out.println(Prober.line(from, to.toString(), port, proto, answer));
            out.flush();
        }
        return 0;
    }

    static CommandLine.ParameterException usage(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
