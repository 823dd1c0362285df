package dev.tendril.rest;

import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * The last line of the edge: an error response that reaches the client without a body (some framework
 * refusals bypass exception mappers) gets a problem+json body for its status, so no client ever sees
 * an empty 4xx or 5xx.
 */
public class ProblemBodyFilter {

    @ServerResponseFilter
    public void addProblemBody(ContainerResponseContext response) {
        int status = response.getStatus();
        if (status < 400 || response.hasEntity()) {
            return;
        }
        String detail = status == 400
                ? "the request body cannot be read as the JSON this resource takes"
                : Response.Status.fromStatusCode(status) == null
                        ? "HTTP " + status
                        : Response.Status.fromStatusCode(status).getReasonPhrase();
        response.setEntity(
                Problem.of(status, null, detail, status == 400 ? "body" : null, null),
                null,
                jakarta.ws.rs.core.MediaType.valueOf(Problem.MEDIA_TYPE));
    }
}
