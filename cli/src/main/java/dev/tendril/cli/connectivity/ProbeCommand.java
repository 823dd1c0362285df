package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.PodRef;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tendril connectivity probe --from NS/POD --to NS/POD --port N}: one connection, one line; exit 0 on a verdict. */
@Command(
        name = "probe",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Ask the source pod's agent whether a connection would be forwarded or dropped, and why.")
public final class ProbeCommand implements Callable<Integer> {

    @Option(
            names = "--from",
            required = true,
            paramLabel = "NS/POD",
            converter = PodRef.Converter.class,
            description = "The source pod.")
    PodRef from;

    @Option(
            names = "--to",
            required = true,
            paramLabel = "NS/POD",
            converter = PodRef.Converter.class,
            description = "The destination pod.")
    PodRef to;

    @Mixin
    PortOptions portOptions;

    @Mixin
    ModelOption modelOption;

    @Mixin
    StackOutputOptions options;

    @Override
    public Integer call() {
        int port = portOptions.port();
        String proto = portOptions.protocol();
        JsonNode answer = new Prober(Agents.of(options.stack()), modelOption.model).probe(from, to, port, proto);
        PrintWriter out = options.out();
        if (options.json()) {
            options.printJson(answer);
        } else {
            out.println(Prober.line(from, to.toString(), port, proto, answer));
            out.flush();
        }
        return 0;
    }
}
