package dev.tendril.ipam.adapters.rest;

import dev.tendril.ipam.adapters.kafka.EndpointsConsumer;
import dev.tendril.ipam.app.LeakDetector;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /v1/leaks}: addresses allocated to pods that have no endpoint. */
@Path("/v1/leaks")
@Produces(MediaType.APPLICATION_JSON)
public class LeaksResource {

    @Inject
    EndpointsConsumer endpoints;

    /** {@code complete} is false until the endpoint topic has been read to its end once. */
    public record LeakReport(boolean complete, int endpoints, List<LeakDetector.Leak> leaks) {}

    @GET
    public LeakReport leaks() {
        boolean complete = endpoints.caughtUp();
        return new LeakReport(complete, endpoints.endpoints().size(), complete ? endpoints.leaks() : List.of());
    }
}
