package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.ConcurrencyException;
import dev.tendril.rest.Problem;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** A decider's refusal as problem+json in every service: invalid 400, not found 404, conflict 409. */
public class RefusalMappers {

    @ServerExceptionMapper
    public Response rejected(CommandRejectedException e) {
        int status = switch (e.kind()) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
        };
        return Problem.response(status, null, e.reason(), e.field());
    }

    /** Retries ran out against concurrent writers of the same stream; the client may retry. */
    @ServerExceptionMapper
    public Response concurrent(ConcurrencyException e) {
        return Problem.response(409, null, "a concurrent change won: " + e.getMessage() + "; retry", null);
    }
}
