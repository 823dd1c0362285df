package dev.tendril.identity.adapters.rest;

import dev.tendril.identity.app.UnknownReferenceException;
import dev.tendril.rest.Problem;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The identity service's own refusal: a reference to something it does not hold is 422. Decider
 * refusals, bad JSON and outages are mapped once for every service (libs/rest, libs/eventstore).
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response unknownReference(UnknownReferenceException e) {
        return Problem.response(422, "Unknown reference", e.getMessage(), e.field());
    }
}
