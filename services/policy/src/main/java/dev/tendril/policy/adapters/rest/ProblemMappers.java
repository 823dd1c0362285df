package dev.tendril.policy.adapters.rest;

import dev.tendril.policy.domain.PolicyValidationException;
import dev.tendril.policy.domain.ValidationError;
import dev.tendril.policy.lb.LbRejected;
import dev.tendril.rest.Problem;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The policy service's own refusals: invalid manifests 400 (with every error), bad requests. Decider
 * refusals (deleting an unknown policy: 404), bad JSON and outages are mapped once for every service
 * (libs/rest, libs/eventstore).
 */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response invalidManifests(PolicyValidationException e) {
        List<Problem.FieldError> errors = e.errors().stream()
                .map(v -> new Problem.FieldError(v.document() + 1, v.path(), v.reason()))
                .toList();
        ValidationError first = e.errors().get(0);
        String detail = e.errors().size() == 1
                ? "document " + (first.document() + 1) + ": " + (first.path().isEmpty() ? "" : first.path() + ": ")
                        + first.reason()
                : e.errors().size() + " problems in the manifests; nothing was applied";
        return Problem.response(
                400, "Invalid manifest", detail, first.path().isEmpty() ? "body" : first.path(), errors);
    }

    @ServerExceptionMapper
    public Response refusedService(LbRejected e) {
        String title = switch (e.status()) {
            case 404 -> "Not found";
            case 409 -> "Conflict";
            default -> "Invalid input";
        };
        return Problem.response(e.status(), title, e.getMessage(), e.field());
    }

    @ServerExceptionMapper
    public Response refused(RequestException e) {
        return Problem.response(
                e.status(), e.status() == 404 ? "Not found" : "Invalid input", e.getMessage(), e.field());
    }
}
