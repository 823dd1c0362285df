package dev.tendril.cli.bpf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.Table;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code tendril bpf lb list}: as {@code cilium bpf lb list}, from the agent's {@code GET /v1/maps/lb} (its
 * services, backends and reverse-NAT maps read back). Each frontend's master entry (slot 0) prints as Cilium
 * prints it, {@code 0.0.0.0:0 (REVNAT) (0) [flags]} ({@code [::]:0} for IPv6), then one line per backend slot
 * {@code address (REVNAT) (SLOT)} ({@code backend ID not found} when the slot's backend id has no entry in
 * the backends map), followed by {@code (cluster NAME)} for a ClusterMesh peer's backend of a global Service;
 * frontends sorted by address as Cilium's table printer sorts its keys.
 */
@Command(
        name = "list",
        aliases = "ls",
        mixinStandardHelpOptions = true,
        description = "List the load-balancing entries of a node: each frontend and its backend slots.")
final class LbListCommand extends AgentMapCommand {

    @Override
    String path() {
        return "/v1/maps/lb";
    }

    @Override
    Table table(JsonNode frontends) {
        List<JsonNode> sorted = new ArrayList<>();
        frontends.forEach(sorted::add);
        sorted.sort(Comparator.comparing(frontend -> frontend.path("frontend").asText()));
        Table table = new Table("SERVICE ADDRESS", "BACKEND ADDRESS (REVNAT_ID) (SLOT)");
        for (JsonNode frontend : sorted) {
            String address = frontend.path("frontend").asText();
            long revNat = frontend.path("revNat").asLong();
            List<String> flags = new ArrayList<>();
            frontend.path("flags").forEach(flag -> flags.add(flag.asText()));
            String any = address.startsWith("[") ? "[::]" : "0.0.0.0";
            table.row(address, any + ":0 (" + revNat + ") (0) [" + String.join(", ", flags) + "]");
            List<JsonNode> backends = new ArrayList<>();
            frontend.path("backends").forEach(backends::add);
            backends.sort(
                    Comparator.comparingInt(backend -> backend.path("slot").asInt()));
            for (JsonNode backend : backends) {
                String cluster = backend.path("cluster").asText("");
                table.row(
                        "",
                        backend.hasNonNull("address")
                                ? backend.get("address").asText() + " (" + revNat + ") ("
                                        + backend.path("slot").asInt() + ")"
                                        + (cluster.isEmpty() ? "" : " (cluster " + cluster + ")")
                                : "backend " + backend.path("id").asLong() + " not found");
            }
        }
        return table;
    }
}
