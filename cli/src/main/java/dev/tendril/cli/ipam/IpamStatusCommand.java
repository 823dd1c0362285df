package dev.tendril.cli.ipam;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.OutputOption;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.Table;
import dev.tendril.cli.stack.StackOption;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tendril ipam status}: per pool, node CIDRs in use and free, and pod addresses allocated. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show each pool's node CIDRs (size, used, free) and allocated pod addresses.")
public final class IpamStatusCommand implements Callable<Integer> {

    @Mixin
    StackOption stackOption;

    @Mixin
    OutputOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        JsonNode pools = ServiceClient.of(stackOption.stack(), "ipam").get("/v1/pools", Map.of());
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOption.printJson(out, pools);
            return 0;
        }
        Table table = new Table("family", "cidrs", "node-mask", "node-cidrs", "used", "free", "pod-ips");
        for (JsonNode pool : pools) {
            table.row(pool.path("family").asText(), GetNodesCommand.join(pool.path("cidrs")),
                    "/" + pool.path("nodeMask").asInt(), pool.path("size").asLong(), pool.path("used").asLong(),
                    pool.path("free").asLong(), pool.path("podIpsAllocated").asLong());
        }
        table.print(out);
        return 0;
    }
}
