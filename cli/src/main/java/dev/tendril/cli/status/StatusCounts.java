package dev.tendril.cli.status;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.stack.Stack;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The object counts {@code tendril status} shows below the components, like {@code cilium status}: each read from
 * the service that owns it, and null (printed {@code -}) when that service is not OK or cannot say.
 */
final class StatusCounts {

    /** One count: which component to ask, what to GET, and how to count the answer. */
    private record Count(String name, String component, String path, Function<JsonNode, Long> count) {}

    private static final List<Count> COUNTS = List.of(
            new Count("nodes", "ipam", "/v1/nodes", StatusCounts::size),
            new Count("endpoints", "identity", "/v1/endpoints", StatusCounts::size),
            new Count("identities", "identity", "/v1/identities", StatusCounts::size),
            new Count("policies", "policy", "/v1/policies", StatusCounts::size),
            // Hubble's ServerStatus.num_flows, from the flows service's GET /v1/status.
            new Count(
                    "flows",
                    "flows",
                    "/v1/status",
                    status -> status.path("numFlows").canConvertToLong()
                            ? status.get("numFlows").asLong()
                            : null));

    private StatusCounts() {}

    /** The counts in display order; {@code ok} names the components whose health check passed. */
    static Map<String, Long> read(Stack stack, Set<String> ok) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Count count : COUNTS) {
            Long value = null;
            if (ok.contains(count.component())) {
                try {
                    JsonNode answer = ServiceClient.of(stack, count.component()).get(count.path(), Map.of());
                    value = answer == null ? null : count.count().apply(answer);
                } catch (ServiceException e) {
                    value = null;
                }
            }
            counts.put(count.name(), value);
        }
        return counts;
    }

    private static Long size(JsonNode list) {
        return list.isArray() ? (long) list.size() : null;
    }
}
