package dev.tendril.ipam.adapters.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** An unreadable request body is a 400 problem too, not an HTML page. */
@Provider
public class BadJsonMapper implements ExceptionMapper<JsonProcessingException> {

    @Override
    public Response toResponse(JsonProcessingException e) {
        return ProblemMapper.problem(400, "invalid-request", "Invalid request",
                "request body is not valid JSON: " + e.getOriginalMessage(), "body");
    }
}
