package dev.tendril.cli.exec;

import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.PodRef;
import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.stack.Stack;
import dev.tendril.cli.stack.StackFabric;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.cli.stack.StackOption;
import dev.tendril.cli.status.ComponentHealth;
import dev.tendril.cli.status.HealthProbe;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tendril exec NS/POD -- CMD...}: runs CMD in the pod's network namespace, {@code ip netns exec
 * <prefix>_<node>_<namespace>_<pod> CMD...}, with this terminal's standard streams; exits with CMD's exit code. The
 * pod's node is the agent that lists it in {@code GET /v1/endpoints}; the namespace's name follows the agent's rule
 * ({@link StackFabric}) with the prefix of the stack's data directory, the one the launcher hands its agents.
 */
@Command(
        name = "exec",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Run a command in a pod's network namespace (a stack started with './tendril up --datapath "
                    + "kernel'; needs root), e.g. 'tendril exec demo/frontend -- ip addr'. Exits with the command's exit "
                    + "code."
        })
public final class ExecCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NS/POD", converter = PodRef.Converter.class, description = "The pod.")
    PodRef pod;

    @Parameters(
            index = "1..*",
            arity = "1..*",
            paramLabel = "CMD",
            description = "The command and its arguments; put '--' before it when it has options of its own.")
    List<String> command = new ArrayList<>();

    @Mixin
    StackOption stackOption;

    Host host = Host.system();

    @Override
    public Integer call() {
        Stack stack = stackOption.stack();
        Agents agents = Agents.of(stack);
        Agents.Located located = agents.locate(pod.namespace(), pod.pod())
                .orElseThrow(() -> new ServiceException(
                        "NS/POD " + pod + ": not an endpoint of any agent (nodes: " + agents.nodes() + ")", 404, null));
        String node = located.agent().node();
        String podNetwork = podNetwork(stack, located.agent());
        if (podNetwork != null && podNetwork.startsWith("model")) {
            throw new ServiceException(
                    "NS/POD " + pod + ": its node " + node + " runs the model datapath (" + podNetwork
                            + "), which wires no network namespaces; start the stack with './tendril up --datapath kernel'");
        }
        String netns = fabric().podNetns(node, pod.namespace(), pod.pod());
        if (!host.hasNetns(netns)) {
            throw new ServiceException("NS/POD " + pod + ": no network namespace " + netns + " on this machine (node "
                    + node + ", pod network: " + (podNetwork == null ? "unknown" : podNetwork) + ")");
        }
        if (!host.root()) {
            throw new ServiceException("tendril exec needs root to enter the network namespace " + netns + " of " + pod
                    + ": run it with sudo");
        }
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        argv.addAll(command);
        return host.run(argv);
    }

    /** The stack's fabric: by the data directory the launcher wrote in stack.json, else the one given. */
    private StackFabric fabric() {
        Path dataDir = StackFile.read(stackOption.dataDir())
                .map(StackFile::dataDir)
                .filter(d -> !d.isBlank())
                .map(Path::of)
                .orElse(stackOption.dataDir());
        return StackFabric.of(dataDir);
    }

    /** What the agent's readiness says of its pod network; null when it does not answer or say. */
    private static String podNetwork(Stack stack, Agents.Agent agent) {
        return stack.component(agent.name())
                .map(c -> new HealthProbe(stack.tls()).check(c))
                .map(ComponentHealth::podNetwork)
                .orElse(null);
    }
}
