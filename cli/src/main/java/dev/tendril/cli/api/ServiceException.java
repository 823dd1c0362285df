package dev.tendril.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A service refused or could not answer a request; the message is the one line the CLI prints, followed by
 * {@link #details()} (one line per entry of the problem's {@code errors[]}).
 */
public final class ServiceException extends RuntimeException {

    private final int status;
    private final JsonNode problem;

    public ServiceException(String message) {
        this(message, 0, null);
    }

    /**
     * @param status  the HTTP status, 0 when there was no answer
     * @param problem the problem+json body, or null
     */
    public ServiceException(String message, int status, JsonNode problem) {
        super(message);
        this.status = status;
        this.problem = problem;
    }

    /** The HTTP status of the answer, 0 when the service did not answer. */
    public int status() {
        return status;
    }

    public boolean notFound() {
        return status == 404;
    }

    /** The problem+json body the service sent, or null. */
    public JsonNode problem() {
        return problem;
    }

    /** The problem's {@code errors[]} as lines: {@code document 2: spec.podSelector: required}. */
    public List<String> details() {
        List<String> lines = new ArrayList<>();
        if (problem == null) {
            return lines;
        }
        for (JsonNode error : problem.path("errors")) {
            StringBuilder line = new StringBuilder();
            if (error.hasNonNull("document")) {
                line.append("document ").append(error.get("document").asInt()).append(": ");
            }
            if (error.hasNonNull("field")) {
                line.append(error.get("field").asText()).append(": ");
            }
            line.append(error.path("reason").asText(error.isTextual() ? error.asText() : ""));
            lines.add(line.toString());
        }
        return lines;
    }
}
