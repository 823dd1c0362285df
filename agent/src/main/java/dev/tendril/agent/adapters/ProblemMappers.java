package dev.tendril.agent.adapters;

import dev.tendril.agent.endpoint.EndpointRejectedException;
import dev.tendril.agent.endpoint.UpstreamException;
import dev.tendril.agent.probe.ProbeException;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Errors of the agent's REST API as application/problem+json (RFC 9457), naming the field at fault. */
public class ProblemMappers {

    @ServerExceptionMapper
    public Response rejected(EndpointRejectedException e) {
        return problem(e.status(), e.field(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response upstream(UpstreamException e) {
        return problem(e.status(), e.field(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response probe(ProbeException e) {
        return problem(e.status(), e.field(), e.getMessage());
    }

    static Response problem(int status, String field, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase());
        body.put("status", status);
        body.put("detail", detail);
        if (field != null) {
            body.put("field", field);
        }
        return Response.status(status).type("application/problem+json").entity(body).build();
    }
}
