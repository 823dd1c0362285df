package dev.tendril.flows.adapters.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.flows.adapters.FlowsConfig;
import dev.tendril.rest.Problem;
import dev.tendril.rest.security.ComponentTls;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * {@code POST /v1/trace}: the policy service's trace, asked through this service so that the service map page (which
 * only knows the origin it came from) can explain a drop. The request body goes to the policy service's
 * {@code /v1/trace} as it came and its answer (a trace, or a problem+json refusal) comes back as it went; this
 * service presents its own certificate there (role {@code service}), once its access table let the caller in as a
 * viewer. A trace reads the policies in force now and changes nothing.
 */
@Path("/v1/trace")
@Tag(name = "trace", description = "The policy service's trace, for the service map page")
public class TraceForwardResource {

    /** A trace request is a few hundred bytes; anything near this is not one. */
    static final int MAX_BODY = 16 * 1024;

    private static final Logger LOG = Logger.getLogger(TraceForwardResource.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    FlowsConfig config;

    @Inject
    ComponentTls tls;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({MediaType.APPLICATION_JSON, Problem.MEDIA_TYPE})
    @Operation(summary = "Trace a connection at the policy service (the body and answer of its POST /v1/trace)")
    @APIResponse(responseCode = "502", description = "The policy service did not answer")
    @APIResponse(responseCode = "503", description = "No policy service configured (tendril.flows.policy-url)")
    public Response trace(byte[] body) {
        if (body == null || body.length == 0) {
            return Problem.response(400, "body", "a body with from, to and port is required");
        }
        if (body.length > MAX_BODY) {
            return Problem.response(
                    413, "body", "a trace request is at most " + MAX_BODY + " bytes, this one has " + body.length);
        }
        Optional<Response> malformed = malformed(body);
        if (malformed.isPresent()) {
            return malformed.get();
        }
        List<String> replicas = config.policyUrl().orElse(List.of()).stream()
                .map(String::strip)
                .filter(url -> !url.isEmpty())
                .toList();
        if (replicas.isEmpty()) {
            return Problem.response(
                    503,
                    null,
                    "this flows service has no policy service to ask: set tendril.flows.policy-url"
                            + " (the local stack sets it)");
        }
        // Every replica traces from the policies it has read: the first that answers decides.
        List<String> passedOver = new ArrayList<>();
        Response notReady = null;
        for (String replica : replicas) {
            URI target = URI.create(replica.replaceAll("/+$", "") + "/v1/trace");
            try {
                HttpResponse<byte[]> answer = ask(target, body);
                String type = answer.headers().firstValue("Content-Type").orElse(MediaType.APPLICATION_JSON);
                Response response = Response.status(answer.statusCode())
                        .type(type)
                        .entity(answer.body())
                        .build();
                if (answer.statusCode() != 503) {
                    return response;
                }
                notReady = response;
                passedOver.add(target + ": not ready (503)");
            } catch (HttpTimeoutException e) {
                passedOver.add(target + ": no answer within " + TIMEOUT.toSeconds() + " s");
            } catch (IOException e) {
                passedOver.add(
                        target + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                passedOver.add(target + ": interrupted");
                break;
            }
        }
        LOG.debugf("trace: no policy service answered: %s", passedOver);
        if (notReady != null) {
            return notReady; // reachable, not ready yet: the caller may ask again
        }
        return Problem.response(502, null, "no policy service answered: " + String.join("; ", passedOver));
    }

    private HttpResponse<byte[]> ask(URI target, byte[] body) throws IOException, InterruptedException {
        return tls.http()
                .send(
                        HttpRequest.newBuilder(target)
                                .timeout(TIMEOUT)
                                .header("Content-Type", MediaType.APPLICATION_JSON)
                                .header("Accept", MediaType.APPLICATION_JSON + ", " + Problem.MEDIA_TYPE)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * The request's shape, checked here so that what is plainly not a trace request is refused at this edge (400
     * naming the field) and never sent on: a JSON object with objects {@code from} and {@code to} and a whole
     * number {@code port}. The policy service checks the rest (which party, which port) and says what is wrong.
     */
    private static Optional<Response> malformed(byte[] body) {
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return Optional.of(Problem.response(400, "body", "the body is not JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            return Optional.of(Problem.response(400, "body", "the body could not be read: " + e.getMessage()));
        }
        if (request == null || !request.isObject()) {
            return Optional.of(Problem.response(400, "body", "the body must be an object with from, to and port"));
        }
        for (String party : new String[] {"from", "to"}) {
            if (!request.path(party).isObject()) {
                return Optional.of(Problem.response(
                        400, party, party + " is required: {namespace, pod}, {namespace, labels} or {identity}"));
            }
        }
        if (!request.path("port").canConvertToInt() || !request.path("port").isIntegralNumber()) {
            return Optional.of(Problem.response(400, "port", "port is required (1..65535)"));
        }
        return Optional.empty();
    }
}
