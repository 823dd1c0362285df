package dev.tendril.agent.adapters;

import dev.tendril.agent.endpoint.EndpointRejectedException;
import dev.tendril.agent.endpoint.UpstreamException;
import dev.tendril.agent.probe.ProbeException;
import dev.tendril.rest.Problem;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The agent's own refusals as problem+json, naming the field at fault; bad JSON and unexpected
 * errors are mapped as in every service (libs/rest).
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response rejected(EndpointRejectedException e) {
        return Problem.response(e.status(), e.field(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response upstream(UpstreamException e) {
        return Problem.response(e.status(), e.field(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response probe(ProbeException e) {
        return Problem.response(e.status(), e.field(), e.getMessage());
    }
}
