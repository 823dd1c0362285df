package dev.tendril.agent.adapters;

import dev.tendril.agent.AgentConfig;
import dev.tendril.agent.endpoint.EndpointManager;
import dev.tendril.agent.endpoint.EndpointRejectedException;
import dev.tendril.agent.endpoint.EndpointSpec;
import dev.tendril.agent.endpoint.UpstreamException;
import dev.tendril.agent.state.LocalEndpoint;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;

/**
 * The endpoint API a CNI plugin calls: ADD is {@code POST /v1/endpoints}, DEL is
 * {@code DELETE /v1/endpoints/{namespace}/{pod}?uid=}. Errors are application/problem+json. Header
 * {@code X-Request-Id} (else a new one) goes with the calls to IPAM and the identity service.
 */
@Path("/v1/endpoints")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class EndpointResource {

    /** A CNI ADD. */
    public record CreateEndpoint(
            String namespace,
            String pod,
            String uid,
            Map<String, String> labels,
            String serviceAccount,
            List<EndpointSpec.NamedPort> namedPorts) {}

    /** A local endpoint; {@code ipv4}/{@code ipv6} are null when absent. */
    public record EndpointView(
            String namespace,
            String pod,
            String uid,
            int endpointId,
            String ipv4,
            String ipv6,
            long identity,
            String node) {

        static EndpointView of(LocalEndpoint e, String node) {
            return new EndpointView(
                    e.namespace(),
                    e.pod(),
                    e.uid(),
                    e.endpointId(),
                    e.ipv4().isEmpty() ? null : e.ipv4(),
                    e.ipv6().isEmpty() ? null : e.ipv6(),
                    e.identity(),
                    node);
        }
    }

    @Inject
    EndpointManager manager;

    @Inject
    DatapathMaps maps;

    @Inject
    NodeRegistration registration;

    @Inject
    AgentConfig config;

    @POST
    public Response create(CreateEndpoint body, @HeaderParam(RequestIds.HEADER) String sentRequestId) {
        String requestId = RequestIds.of(sentRequestId);
        if (body == null) {
            throw EndpointRejectedException.invalid(
                    "body", "a JSON object {namespace, pod, uid, labels, ...} is required");
        }
        EndpointSpec spec = new EndpointSpec(
                body.namespace(), body.pod(), body.uid(), body.labels(), body.serviceAccount(), body.namedPorts());
        requireReady();
        EndpointManager.Result r = RequestIds.forwarding(requestId, () -> manager.create(spec));
        return Response.status(r.created() ? 201 : 200)
                .entity(EndpointView.of(r.endpoint(), config.nodeName()))
                .header(RequestIds.HEADER, requestId)
                .build();
    }

    @DELETE
    @Path("/{namespace}/{pod}")
    public EndpointView delete(
            @PathParam("namespace") String namespace,
            @PathParam("pod") String pod,
            @QueryParam("uid") String uid,
            @HeaderParam(RequestIds.HEADER) String sentRequestId) {
        String requestId = RequestIds.of(sentRequestId);
        requireReady();
        return EndpointView.of(
                RequestIds.forwarding(requestId, () -> manager.delete(namespace, pod, uid)), config.nodeName());
    }

    @GET
    public List<EndpointView> list() {
        return maps.localEndpoints().stream()
                .map(e -> EndpointView.of(e, config.nodeName()))
                .toList();
    }

    private void requireReady() {
        if (!maps.writable()) {
            throw new UpstreamException(503, null, "the agent has not bootstrapped from the state topics yet", null);
        }
        if (!registration.registered()) {
            throw new UpstreamException(
                    503,
                    null,
                    "the node is not registered with IPAM yet: "
                            + registration.problem().orElse(""),
                    null);
        }
    }
}
