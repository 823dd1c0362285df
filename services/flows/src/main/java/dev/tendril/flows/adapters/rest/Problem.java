package dev.tendril.flows.adapters.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;

/** RFC 9457 problem details, plus {@code field}: the parameter at fault. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String field) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public static Response response(int status, String title, String detail, String field) {
        String type = "https://tendril.dev/problems/" + title.toLowerCase(java.util.Locale.ROOT).replace(' ', '-');
        return Response.status(status).type(MEDIA_TYPE).entity(new Problem(type, title, status, detail, field)).build();
    }
}
