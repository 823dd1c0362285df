package dev.tendril.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.StackOutputOptions;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.Table;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code tendril policy map <identity>}: the policy-map entries the service computed for one identity, like
 * {@code cilium bpf policy get}, with the policies that enforce each direction.
 */
@Command(
        name = "map",
        mixinStandardHelpOptions = true,
        description = "Show the policy map of an identity: its entries and the policies enforcing each direction.")
public final class PolicyMapCommand implements Callable<Integer> {

    @Parameters(
            index = "0",
            paramLabel = "IDENTITY",
            description = "The numeric security identity (see 'tendril get identities').")
    long identity;

    @Mixin
    StackOutputOptions options;

    @Override
    public Integer call() {
        JsonNode map =
                ServiceClient.of(options.stack(), "policy").get("/v1/identities/" + identity + "/policymap", Map.of());
        PrintWriter out = options.out();
        if (options.json()) {
            options.printJson(map);
            return 0;
        }
        out.println("Identity:  " + map.path("subject").asText(Long.toString(identity)));
        out.println("Revision:  " + map.path("revision").asLong());
        out.println("Ingress:   " + enforcement(map.path("ingressEnforcedBy")));
        out.println("Egress:    " + enforcement(map.path("egressEnforcedBy")));
        out.println();
        Table table = new Table("verdict", "direction", "identity", "labels", "port/proto", "policies");
        for (JsonNode entry : map.path("entries")) {
            long peer = entry.path("identity").asLong();
            List<String> labels = new ArrayList<>();
            entry.path("labels").forEach(label -> labels.add(label.asText()));
            table.row(
                    entry.path("verdict").asText(),
                    entry.path("direction").asText(),
                    peer == 0 ? "ANY" : peer,
                    labels.isEmpty() ? (peer == 0 ? "ANY" : "") : String.join(",", labels),
                    portProto(
                            entry.path("port").asText("ANY"),
                            entry.path("protocol").asText("ANY")),
                    PolicyRefs.refs(entry.path("policies"), ""));
        }
        table.print(out);
        return 0;
    }

    private static String enforcement(JsonNode policies) {
        return policies.isEmpty() ? "not enforced (all allowed)" : "enforced by " + PolicyRefs.refs(policies, "");
    }

    /** {@code 80/TCP}, {@code ANY/TCP}, or {@code ANY} when neither port nor protocol is restricted. */
    static String portProto(String port, String protocol) {
        if (port.equals("ANY") && protocol.equals("ANY")) {
            return "ANY";
        }
        return port + "/" + protocol;
    }
}
