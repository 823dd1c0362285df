package dev.tendril.policy.adapters.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import dev.tendril.eventstore.ConcurrencyException;
import dev.tendril.policy.adapters.PolicyRuntime;
import dev.tendril.policy.domain.PolicyValidationException;
import dev.tendril.policy.domain.ValidationError;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Refusals as problem+json: invalid 400 (with every manifest error), not found 404, conflict 409. */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response invalidManifests(PolicyValidationException e) {
        List<Problem.FieldError> errors = e.errors().stream()
                .map(v -> new Problem.FieldError(v.document() + 1, v.path(), v.reason())).toList();
        ValidationError first = e.errors().get(0);
        String detail = e.errors().size() == 1
                ? "document " + (first.document() + 1) + ": " + (first.path().isEmpty() ? "" : first.path() + ": ") + first.reason()
                : e.errors().size() + " problems in the manifests; nothing was applied";
        return Problem.response(400, "Invalid manifest", detail, first.path().isEmpty() ? "body" : first.path(), errors);
    }

    @ServerExceptionMapper
    public Response refused(RequestException e) {
        return Problem.response(e.status(), e.status() == 404 ? "Not found" : "Invalid input", e.getMessage(), e.field());
    }

    @ServerExceptionMapper
    public Response notFound(PolicyRuntime.PolicyNotFoundException e) {
        return Problem.response(404, "Not found", e.getMessage(), "name");
    }

    @ServerExceptionMapper
    public Response conflict(ConcurrencyException e) {
        return Problem.response(409, "Conflict", "a concurrent change won: " + e.getMessage() + "; retry", null);
    }

    /** Framework refusals (unreadable body, unsupported media type, unknown path) as problem+json too. */
    @ServerExceptionMapper
    public Response framework(jakarta.ws.rs.WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return e.getResponse();
        }
        if (e.getCause() instanceof JsonProcessingException json) {
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
