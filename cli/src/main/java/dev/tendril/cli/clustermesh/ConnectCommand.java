package dev.tendril.cli.clustermesh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.restart.LauncherControl;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tendril clustermesh connect --to DIR|ADDRESS}: this stack's launcher checks the peer (running, cluster ids of
 * 1-255 that differ, names that differ, pod CIDRs that do not overlap; a refusal changes nothing), then starts
 * MirrorMaker 2 pulling from it. With a DIR it reads the peer's data directory on this machine; with an ADDRESS (the
 * peer launcher's {@code https://HOST:PORT}, which the peer's {@code tendril clustermesh status} prints) it asks the
 * peer for a grant as the peer's admin ({@code --peer-config}, the peer's CLI config file). One direction: run it on
 * the peer too for both.
 */
@Command(
        name = "connect",
        mixinStandardHelpOptions = true,
        description = {
            "Replicate a peer cluster into this one: its identities, endpoints, nodes and services appear here as",
            "<peer>.tendril.*. One direction; connect from the peer too for both."
        })
public final class ConnectCommand implements Callable<Integer> {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Option(
            names = "--to",
            required = true,
            paramLabel = "DIR|ADDRESS",
            description = "The peer stack's data directory on this machine (its stack.json, authority and Kafka), or "
                    + "its launcher's address https://HOST:PORT (printed by the peer's 'tendril clustermesh status').")
    String to;

    @Option(
            names = "--peer-config",
            paramLabel = "FILE",
            description = "With an ADDRESS: the peer's CLI config file (its admin's client certificate and its "
                    + "authority), the way 'cilium clustermesh connect' takes the peer's kubeconfig context.")
    Path peerConfig;

    @Mixin
    StackOutputOptions options;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Map<String, String> request;
        if (to.startsWith("https://")) {
            if (peerConfig == null) {
                throw options.usage("--to " + to + " is an address: give --peer-config FILE, the peer's CLI config "
                        + "(its admin's certificate), so that the peer grants this cluster access");
            }
            if (!Files.isRegularFile(peerConfig)) {
                throw options.usage("--peer-config " + peerConfig + " is not a file");
            }
            request = Map.of(
                    "to",
                    to,
                    "peerConfig",
                    peerConfig.toAbsolutePath().normalize().toString());
        } else {
            Path dir = Path.of(to);
            if (!Files.isDirectory(dir)) {
                throw options.usage("--to " + to + " is neither a directory (a peer stack's data directory on this "
                        + "machine) nor an address https://HOST:PORT (a peer launcher's)");
            }
            if (peerConfig != null) {
                throw options.usage("--peer-config goes with an address: --to " + to + " is a directory");
            }
            request = Map.of("to", dir.toAbsolutePath().normalize().toString());
        }
        JsonNode answer = LauncherControl.of(options.dataDir(), options.clientTls())
                .send("POST", ClusterMeshCommand.PEERS, request, TIMEOUT);
        if (options.json()) {
            options.printJson(answer);
            return 0;
        }
        PrintWriter out = options.out();
        String name = answer.path("name").asText();
        out.println("Connected cluster " + name + " (id "
                + answer.path("clusterId").asInt() + ", pod CIDRs "
                + String.join(", ", MeshStatusCommand.strings(answer.path("podCidrs"))) + "): MirrorMaker 2 (pid "
                + answer.path("mirrorPid").asLong() + ") copies its identities, endpoints, nodes and services from "
                + answer.path("kafka").asText() + " into " + name + ".tendril.*");
        out.println("'tendril clustermesh status' shows when they are in sync.");
        out.flush();
        return 0;
    }
}
