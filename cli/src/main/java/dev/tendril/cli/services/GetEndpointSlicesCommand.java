package dev.tendril.cli.services;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code tendril get endpointslices}: as {@code kubectl get endpointslices} (PORTS and ENDPOINTS as kubectl
 * prints them: three at most, then {@code + N more...}), with the Service and who manages the slice (the
 * policy service's controller for a selector Service, else applied) instead of AGE.
 */
@Command(
        name = "endpointslices",
        aliases = {"endpointslice", "eps"},
        mixinStandardHelpOptions = true,
        description =
                "List EndpointSlices (applied, and derived from selector Services) of a namespace, or of all with -A.")
public final class GetEndpointSlicesCommand extends NamespacedList {

    @Override
    String path() {
        return "/v1/endpointslices";
    }

    @Override
    List<String> headers() {
        return List.of("addresstype", "ports", "endpoints", "service", "managed-by");
    }

    @Override
    List<String> cells(JsonNode slice) {
        List<String> ports = new ArrayList<>();
        slice.path("ports")
                .forEach(port -> ports.add(
                        port.hasNonNull("port")
                                ? Integer.toString(port.get("port").asInt())
                                : port.path("name").asText("*")));
        List<String> addresses = new ArrayList<>();
        slice.path("endpoints")
                .forEach(endpoint -> endpoint.path("addresses").forEach(address -> addresses.add(address.asText())));
        String managedBy = slice.path("managedBy").asText("");
        return List.of(
                slice.path("addressType").asText(),
                firstThree(ports),
                firstThree(addresses),
                slice.path("service").asText(""),
                managedBy.isEmpty() ? "<none>" : managedBy);
    }
}
