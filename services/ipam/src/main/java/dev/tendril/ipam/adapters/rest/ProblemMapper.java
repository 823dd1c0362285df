package dev.tendril.ipam.adapters.rest;

import dev.tendril.eventstore.CommandRejectedException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.LinkedHashMap;
import java.util.Map;

/** A refused command as RFC 9457 problem+json naming the field at fault: 400, 404 or 409. */
@Provider
public class ProblemMapper implements ExceptionMapper<CommandRejectedException> {

    public static final String PROBLEM_JSON = "application/problem+json";

    @Override
    public Response toResponse(CommandRejectedException rejected) {
        int status = switch (rejected.kind()) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
        };
        String slug = switch (rejected.kind()) {
            case INVALID -> "invalid-request";
            case NOT_FOUND -> "not-found";
            case CONFLICT -> "conflict";
        };
        String title = switch (rejected.kind()) {
            case INVALID -> "Invalid request";
            case NOT_FOUND -> "Not found";
            case CONFLICT -> "Conflict";
        };
        return problem(status, slug, title, rejected.reason(), rejected.field());
    }

    static Response problem(int status, String slug, String title, String detail, String field) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "https://tendril.dev/problems/" + slug);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        if (field != null) {
            body.put("field", field);
        }
        return Response.status(status).type(PROBLEM_JSON).entity(body).build();
    }
}
