package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.PodRef;
import dev.tendril.cli.api.ServiceClient;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tendril connectivity probe --from NS/POD --to NS/POD --port N}: one connection, one line; exit 0 on a
 * verdict. {@code --to svc:NS/NAME} probes the Service's ClusterIP (from the policy service) at {@code --port}:
 * the agent translates it to a backend as the datapath does. {@code --to IP} probes an address: a ClusterMesh
 * peer's pod (the source's agent knows its identity from the ipcache) or anything outside.
 */
@Command(
        name = "probe",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Ask the source pod's agent whether a connection would be forwarded or dropped, and why.")
public final class ProbeCommand implements Callable<Integer> {

    /** An IPv4 or IPv6 literal (the agent checks it; a name is never looked up). */
    private static final Pattern ADDRESS =
            Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

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
            paramLabel = "NS/POD|svc:NS/NAME|IP",
            description = "The destination pod, a Service (svc:NS/NAME, probed at its ClusterIP and --port), or an"
                    + " address (a ClusterMesh peer's pod, say).")
    String to;

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
        String target;
        String shown;
        if (to.startsWith(ServiceTargets.SERVICE)) {
            target = new ServiceTargets(() -> ServiceClient.of(options.stack(), "policy"), () -> {
                        throw new IllegalStateException("a ClusterIP needs no node address");
                    })
                    .resolve(to, port)
                    .to();
            shown = to + " (" + target + ")";
        } else if (ADDRESS.matcher(to).matches()) {
            // The agent resolves it: a pod of this cluster or of a ClusterMesh peer (ipcache), or outside.
            target = to;
            shown = to;
        } else {
            try {
                target = PodRef.parse(to).toString();
            } catch (IllegalArgumentException e) {
                throw options.usage("--to: " + e.getMessage() + " (nor svc:NAMESPACE/NAME, nor an IP address)");
            }
            shown = target;
        }
        JsonNode answer = new Prober(Agents.of(options.stack()), modelOption.model).probe(from, target, port, proto);
        PrintWriter out = options.out();
        if (options.json()) {
            options.printJson(answer);
        } else {
            out.println(Prober.line(from, shown, port, proto, answer));
            out.flush();
        }
        return 0;
    }
}
