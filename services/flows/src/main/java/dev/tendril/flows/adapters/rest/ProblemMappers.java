package dev.tendril.flows.adapters.rest;

import dev.tendril.flows.domain.InvalidFilterException;
import dev.tendril.rest.Problem;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** A bad filter or time is a 400 naming the query parameter. */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response invalid(InvalidFilterException e) {
        return Problem.response(400, null, e.getMessage(), e.field());
    }
}
