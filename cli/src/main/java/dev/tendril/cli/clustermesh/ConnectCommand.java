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
 * {@code tendril clustermesh connect --to DIR}: this stack's launcher checks the peer (running, cluster ids of 1-255
 * that differ, names that differ, pod CIDRs that do not overlap; a refusal changes nothing), then starts MirrorMaker 2
 * pulling from it. One direction: run it on the peer too (with this stack's directory) for both.
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
            paramLabel = "DIR",
            description = "The peer stack's data directory on this machine (its stack.json, authority and Kafka). "
                    + "A peer on another machine (ADDRESS) is not supported yet: docs/clustermesh.md.")
    String to;

    @Mixin
    StackOutputOptions options;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path dir = Path.of(to);
        if (!Files.isDirectory(dir)) {
            throw options.usage("--to " + to + " is not a directory: give the peer stack's data directory on this "
                    + "machine (connecting to a peer ADDRESS on another machine is not supported yet, see "
                    + "docs/clustermesh.md)");
        }
        JsonNode answer = LauncherControl.of(options.dataDir(), options.clientTls())
                .send(
                        "POST",
                        ClusterMeshCommand.PEERS,
                        Map.of("to", dir.toAbsolutePath().normalize().toString()),
                        TIMEOUT);
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
