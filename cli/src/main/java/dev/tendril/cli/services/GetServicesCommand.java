package dev.tendril.cli.services;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;

/**
 * {@code tendril get services}: as {@code kubectl get services}, with kubectl's PORT(S) cell ({@code 80/TCP},
 * {@code 80:30080/TCP} for a NodePort) and the number of backends the Service has now instead of AGE (the
 * policy service's views carry no creation time). A global Service's backends of ClusterMesh peers are counted
 * per peer: {@code 3 (1 in west)}.
 */
@Command(
        name = "services",
        aliases = {"service", "svc"},
        mixinStandardHelpOptions = true,
        description = "List Services of a namespace, or of all with -A.")
public final class GetServicesCommand extends NamespacedList {

    @Override
    String path() {
        return "/v1/services";
    }

    @Override
    List<String> headers() {
        return List.of("type", "cluster-ip", "external-ip", "port(s)", "backends");
    }

    @Override
    List<String> cells(JsonNode service) {
        JsonNode clusterIPs = service.path("clusterIPs");
        return List.of(
                service.path("type").asText("ClusterIP"),
                clusterIPs.isEmpty() ? "None" : clusterIPs.get(0).asText(),
                "<none>",
                ports(service.path("ports")),
                backends(service.path("backends")));
    }

    /** The number of backends, then how many of them each ClusterMesh peer has, in name order. */
    static String backends(JsonNode backends) {
        Map<String, Integer> remote = new TreeMap<>();
        for (JsonNode backend : backends) {
            String cluster = backend.path("cluster").asText("");
            if (!cluster.isEmpty()) {
                remote.merge(cluster, 1, Integer::sum);
            }
        }
        if (remote.isEmpty()) {
            return Integer.toString(backends.size());
        }
        List<String> perPeer = new ArrayList<>();
        remote.forEach((cluster, count) -> perPeer.add(count + " in " + cluster));
        return backends.size() + " (" + String.join(", ", perPeer) + ")";
    }

    /** kubectl's {@code makePortString}: {@code port[:nodePort]/protocol}, comma-separated, {@code <none>} when none. */
    static String ports(JsonNode ports) {
        List<String> cells = new ArrayList<>();
        for (JsonNode port : ports) {
            String protocol = port.path("protocol").asText("TCP");
            int nodePort = port.path("nodePort").asInt(0);
            cells.add(port.path("port").asInt() + (nodePort > 0 ? ":" + nodePort : "") + "/" + protocol);
        }
        return cells.isEmpty() ? "<none>" : String.join(",", cells);
    }
}
