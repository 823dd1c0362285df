package dev.tendril.identity.adapters.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.identity.adapters.persistence.UnknownReferenceException;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Refusals as problem+json: invalid 400, unknown reference 422, not found 404, conflict 409. */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response rejected(CommandRejectedException e) {
        return switch (e.kind()) {
            case INVALID -> Problem.response(400, "Invalid input", e.reason(), e.field());
            case NOT_FOUND -> Problem.response(404, "Not found", e.reason(), e.field());
            case CONFLICT -> Problem.response(409, "Conflict", e.reason(), e.field());
        };
    }

    @ServerExceptionMapper
    public Response unknownReference(UnknownReferenceException e) {
        return Problem.response(422, "Unknown reference", e.getMessage(), e.field());
    }

    /** Framework refusals (unreadable body, unsupported media type, unknown path) as problem+json too. */
    @ServerExceptionMapper
    public Response framework(jakarta.ws.rs.WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return e.getResponse();
        }
        Throwable cause = e.getCause();
        if (cause instanceof JsonProcessingException json) {
            return malformedJson(json);
        }
        String title = status == 400 ? "Invalid input" : e.getResponse().getStatusInfo().getReasonPhrase();
        return Problem.response(status, title == null ? "Error" : title, e.getMessage(), status == 400 ? "body" : null);
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e) {
        String field = e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()
                ? mapping.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                        .collect(Collectors.joining("."))
                : "body";
        return Problem.response(400, "Invalid input", "malformed JSON: " + e.getOriginalMessage(), field);
    }
}
