package dev.tendril.cli.clustermesh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.config.ConfigDiscovery;
import dev.tendril.cli.restart.LauncherControl;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code tendril clustermesh status}: per peer whether it is connected (MirrorMaker 2 runs, the peer's Kafka answers,
 * nothing lags), the last sync, and per kind the entries here, the peer's end offset and the lag. Exit 0 only when
 * every peer is connected.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show each peer cluster: connected or not, last sync, and per kind (identities, endpoints, nodes,",
            "services) the entries replicated here and the lag behind the peer (exit 0 only when all are connected)."
        })
public final class MeshStatusCommand implements Callable<Integer> {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Mixin
    StackOutputOptions options;

    @Override
    public Integer call() throws IOException, InterruptedException {
        LauncherControl launcher = LauncherControl.of(options.dataDir(), options.clientTls());
        JsonNode peers = launcher.send("GET", ClusterMeshCommand.PEERS, null, TIMEOUT);
        boolean allConnected = true;
        for (JsonNode peer : peers) {
            allConnected &= peer.path("connected").asBoolean();
        }
        if (options.json()) {
            options.printJson(peers);
            return allConnected ? 0 : 1;
        }
        PrintWriter out = options.out();
        if (peers.isEmpty()) {
            out.println("No peer clusters: connect one with 'tendril clustermesh connect --to DIR|ADDRESS'.");
        }
        for (JsonNode peer : peers) {
            String state = peer.path("connected").asBoolean()
                    ? "connected"
                    : !peer.path("peerReachable").asBoolean()
                            ? "stale (peer unreachable: "
                                    + peer.path("peerError").asText() + ")"
                            : "not in sync (MirrorMaker 2 "
                                    + peer.path("mirror").asText() + ", lag "
                                    + peer.path("lag").asLong() + ")";
            out.println(peer.path("name").asText() + " (id "
                    + peer.path("clusterId").asInt() + ", pod CIDRs "
                    + String.join(", ", strings(peer.path("podCidrs"))) + "): " + state);
            out.println("  connected at " + peer.path("connectedAt").asText() + ", last sync "
                    + (peer.path("lastSync").isTextual() ? peer.path("lastSync").asText() : "-")
                    + ", MirrorMaker 2 " + peer.path("mirror").asText()
                    + (peer.path("mirrorPid").isNumber()
                            ? " (pid " + peer.path("mirrorPid").asLong() + ")"
                            : ""));
            out.println(String.format("  %-12s %8s %12s %8s  %s", "KIND", "ENTRIES", "PEER-OFFSET", "LAG", "TOPIC"));
            for (JsonNode kind : peer.path("kinds")) {
                out.println(String.format(
                        "  %-12s %8d %12s %8s  %s",
                        kind.path("kind").asText(),
                        kind.path("entries").asLong(),
                        kind.path("peerEndOffset").isNumber()
                                ? kind.path("peerEndOffset").asText()
                                : "-",
                        kind.path("lag").isNumber() ? kind.path("lag").asText() : "-",
                        kind.path("remoteTopic").asText()));
            }
        }
        out.println("Other clusters connect to this one with: tendril clustermesh connect --to "
                + launcher.supervisor().control() + " --peer-config "
                + options.dataDir().toAbsolutePath().normalize().resolve(ConfigDiscovery.STACK_CONFIG)
                + " (this cluster's admin config)");
        out.flush();
        return allConnected ? 0 : 1;
    }

    static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }
}
