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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The endpoint API a CNI plugin calls: ADD is {@code POST /v1/endpoints}, DEL is
 * {@code DELETE /v1/endpoints/{namespace}/{pod}?uid=}; {@code &gracePeriodSeconds=N} (N > 0) deletes like a
 * Kubernetes pod deletion: the endpoint is terminating (202) and goes N seconds later. Errors are
 * application/problem+json. Header
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

    /**
     * A local endpoint; {@code ipv4}/{@code ipv6} are null when absent.
     *
     * @param terminating deleted with a grace period: it serves its connections until {@code removeAt} (ISO-8601,
     *     null when not terminating)
     */
    public record EndpointView(
            String namespace,
            String pod,
            String uid,
            int endpointId,
            String ipv4,
            String ipv6,
            long identity,
            String node,
            boolean terminating,
            String removeAt) {

        static EndpointView of(LocalEndpoint e, String node, Optional<Instant> removeAt) {
            return new EndpointView(
                    e.namespace(),
                    e.pod(),
                    e.uid(),
                    e.endpointId(),
                    e.ipv4().isEmpty() ? null : e.ipv4(),
                    e.ipv6().isEmpty() ? null : e.ipv6(),
                    e.identity(),
                    node,
                    removeAt.isPresent(),
                    removeAt.map(Instant::toString).orElse(null));
        }
    }

    /** One year: a longer grace period is a mistake, not a plan. */
    static final long MAX_GRACE_SECONDS = 365L * 24 * 3600;

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
                .entity(EndpointView.of(r.endpoint(), config.nodeName(), Optional.empty()))
                .header(RequestIds.HEADER, requestId)
                .build();
    }

    @DELETE
    @Path("/{namespace}/{pod}")
    public Response delete(
            @PathParam("namespace") String namespace,
            @PathParam("pod") String pod,
            @QueryParam("uid") String uid,
            @QueryParam("gracePeriodSeconds") String gracePeriodSeconds,
            @HeaderParam(RequestIds.HEADER) String sentRequestId) {
        String requestId = RequestIds.of(sentRequestId);
        Duration grace = gracePeriod(gracePeriodSeconds);
        requireReady();
        EndpointManager.Deletion deletion =
                RequestIds.forwarding(requestId, () -> manager.delete(namespace, pod, uid, grace));
        Optional<Instant> removeAt = Optional.ofNullable(deletion.removeAt());
        return Response.status(removeAt.isPresent() ? 202 : 200)
                .entity(EndpointView.of(deletion.endpoint(), config.nodeName(), removeAt))
                .header(RequestIds.HEADER, requestId)
                .build();
    }

    @GET
    public List<EndpointView> list() {
        return maps.localEndpoints().stream().map(this::view).toList();
    }

    @GET
    @Path("/{namespace}/{pod}")
    public EndpointView get(@PathParam("namespace") String namespace, @PathParam("pod") String pod) {
        String key = namespace + "/" + pod;
        return maps.localEndpoints().stream()
                .filter(e -> e.key().equals(key))
                .findFirst()
                .map(this::view)
                .orElseThrow(() -> new EndpointRejectedException(
                        404, "pod", "pod: no endpoint " + key + " on node " + config.nodeName()));
    }

    private EndpointView view(LocalEndpoint e) {
        return EndpointView.of(e, config.nodeName(), maps.table().terminatingUntil(e.key()));
    }

    /** Absent: 0, today's immediate deletion. */
    private static Duration gracePeriod(String seconds) {
        if (seconds == null || seconds.isEmpty()) {
            return Duration.ZERO;
        }
        long value;
        try {
            value = Long.parseLong(seconds);
        } catch (NumberFormatException e) {
            throw EndpointRejectedException.invalid(
                    "gracePeriodSeconds", "must be a whole number of seconds, not '" + seconds + "'");
        }
        if (value < 0 || value > MAX_GRACE_SECONDS) {
            throw EndpointRejectedException.invalid(
                    "gracePeriodSeconds", "must be 0.." + MAX_GRACE_SECONDS + " seconds, not " + value);
        }
        return Duration.ofSeconds(value);
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
