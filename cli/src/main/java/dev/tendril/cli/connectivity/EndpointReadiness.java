package dev.tendril.cli.connectivity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.agent.PodRef;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** When the connectivity test's pods are ready to probe: registered, and in every agent's ipcache. */
final class EndpointReadiness {

    private EndpointReadiness() {}

    /**
     * The pods not ready yet, each with why: not registered at the identity service, or some agent's ipcache
     * does not map its address to its identity yet. A service that does not answer leaves every pod waiting.
     */
    static List<String> notReady(List<PodRef> pods, List<String> namespaces, ServiceClient identity, Agents agents) {
        Map<String, JsonNode> registered = new HashMap<>();
        Map<String, Map<String, Long>> ipcaches = new LinkedHashMap<>();
        try {
            for (String ns : namespaces) {
                JsonNode endpoints = identity.get("/v1/endpoints", Map.of("namespace", ns));
                if (endpoints != null) {
                    endpoints.forEach(e -> registered.put(
                            e.path("namespace").asText() + "/" + e.path("pod").asText(), e));
                }
            }
            for (Agents.Agent agent : agents.all()) {
                Map<String, Long> ipcache = new HashMap<>();
                JsonNode dump = agent.client().get("/v1/maps/ipcache", Map.of());
                if (dump != null) {
                    dump.path("rows")
                            .forEach(row -> ipcache.put(
                                    row.path("prefix").asText(),
                                    row.path("identity").asLong()));
                }
                ipcaches.put(agent.node(), ipcache);
            }
        } catch (ServiceException e) {
            return pods.stream().map(pod -> pod + " (" + e.getMessage() + ")").toList();
        }
        List<String> waiting = new ArrayList<>();
        for (PodRef pod : pods) {
            JsonNode endpoint = registered.get(pod.toString());
            long id = endpoint == null ? 0 : endpoint.path("identity").asLong();
            String ip = endpoint == null ? "" : endpoint.path("ips").path(0).asText("");
            if (id <= 0 || ip.isEmpty()) {
                waiting.add(pod + " (not registered)");
                continue;
            }
            String prefix = ip + (ip.contains(":") ? "/128" : "/32");
            ipcaches.entrySet().stream()
                    .filter(node -> !Long.valueOf(id).equals(node.getValue().get(prefix)))
                    .findFirst()
                    .ifPresent(node -> waiting.add(pod + " (not in " + node.getKey() + "'s ipcache)"));
        }
        return waiting;
    }
}
