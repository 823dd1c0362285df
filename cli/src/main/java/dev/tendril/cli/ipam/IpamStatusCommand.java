package dev.tendril.cli.ipam;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ResourceListCommand;
import dev.tendril.cli.api.Table;
import picocli.CommandLine.Command;

/** {@code tendril ipam status}: per pool, node CIDRs in use and free, and pod addresses allocated. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show each pool's node CIDRs (size, used, free) and allocated pod addresses.")
public final class IpamStatusCommand extends ResourceListCommand {

    @Override
    protected String service() {
        return "ipam";
    }

    @Override
    protected String path() {
        return "/v1/pools";
    }

    @Override
    protected Table table(JsonNode pools) {
        Table table = new Table("family", "cidrs", "node-mask", "node-cidrs", "used", "free", "pod-ips");
        for (JsonNode pool : pools) {
            table.row(
                    pool.path("family").asText(),
                    joined(pool.path("cidrs"), "<none>"),
                    "/" + pool.path("nodeMask").asInt(),
                    pool.path("size").asLong(),
                    pool.path("used").asLong(),
                    pool.path("free").asLong(),
                    pool.path("podIpsAllocated").asLong());
        }
        return table;
    }
}
