package dev.tendril.policy.adapters.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import java.util.List;

/**
 * RFC 9457 problem details, plus {@code field} (the input at fault) and, for rejected manifests,
 * {@code errors}: every problem found, each naming its document (1-based), field and reason.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String field, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    /** One rejected field of one document. */
    public record FieldError(int document, String field, String reason) {
    }

    public static Response response(int status, String title, String detail, String field) {
        return response(status, title, detail, field, null);
    }

    public static Response response(int status, String title, String detail, String field, List<FieldError> errors) {
        String type = "https://tendril.dev/problems/" + title.toLowerCase(java.util.Locale.ROOT).replace(' ', '-');
        return Response.status(status).type(MEDIA_TYPE)
                .entity(new Problem(type, title, status, detail, field, errors)).build();
    }
}
