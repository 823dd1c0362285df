package dev.tendril.cli.clustermesh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.restart.LauncherControl;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tendril clustermesh disconnect --from NAME}: stops the peer's MirrorMaker 2, tombstones it in
 * {@code tendril.mesh.peers} and deletes its remote topics, so every component drops its entries.
 */
@Command(
        name = "disconnect",
        mixinStandardHelpOptions = true,
        description = {
            "Stop replicating a peer cluster: its MirrorMaker 2 stops, its <peer>.tendril.* topics are deleted and",
            "the components drop its identities, endpoints, nodes and services."
        })
public final class DisconnectCommand implements Callable<Integer> {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--from", required = true, paramLabel = "NAME", description = "The peer's cluster name.")
    String from;

    @Mixin
    StackOutputOptions options;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!from.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            throw options.usage("--from must be a cluster name (lower-case alphanumerics and '-'), was '" + from + "'");
        }
        JsonNode answer = LauncherControl.of(options.dataDir(), options.clientTls())
                .send("DELETE", ClusterMeshCommand.PEERS + "/" + from, null, TIMEOUT);
        if (options.json()) {
            options.printJson(answer);
            return 0;
        }
        PrintWriter out = options.out();
        List<String> deleted = MeshStatusCommand.strings(answer.path("deletedTopics"));
        out.println("Disconnected cluster " + from + "; deleted "
                + (deleted.isEmpty() ? "no topics" : String.join(", ", deleted)));
        out.flush();
        return 0;
    }
}
