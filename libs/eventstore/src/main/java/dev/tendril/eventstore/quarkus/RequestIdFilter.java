package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.ChangeOrigin;
import dev.tendril.rest.Problem;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;
import java.security.Principal;
import java.util.UUID;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * {@value #HEADER} on every REST call: the caller's when it sends a valid one, else a new UUID; echoed
 * in the response and recorded, with the caller's principal, on every event the call appends.
 */
public class RequestIdFilter {

    public static final String HEADER = "X-Request-Id";

    @Inject
    RequestOrigin origin;

    @ServerRequestFilter
    public Response identify(ContainerRequestContext request) {
        String sent = request.getHeaderString(HEADER);
        if (sent != null && !ChangeOrigin.validRequestId(sent)) {
            return Problem.response(
                    400,
                    null,
                    "header " + HEADER + " must be 1 to " + ChangeOrigin.MAX_REQUEST_ID
                            + " characters of letters, digits and . _ : -",
                    HEADER);
        }
        Principal user = request.getSecurityContext() == null
                ? null
                : request.getSecurityContext().getUserPrincipal();
        origin.set(
                sent != null ? sent : UUID.randomUUID().toString(),
                user == null ? null : ChangeOrigin.principalOf(user.getName()));
        return null;
    }

    @ServerResponseFilter
    public void echo(ContainerResponseContext response) {
        if (origin.requestId() != null) {
            response.getHeaders().putSingle(HEADER, origin.requestId());
        }
    }
}
