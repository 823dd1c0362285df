package dev.tendril.identity.adapters.rest;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.identity.adapters.kafka.NodesConsumer;
import dev.tendril.identity.adapters.reads.EndpointReads;
import dev.tendril.identity.app.EndpointRegistry;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.NamedPort;
import dev.tendril.identity.domain.Names;
import dev.tendril.rest.paging.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/v1/endpoints")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "endpoints", description = "Endpoints (pods) with their IPs and identities: the ipcache source")
public class EndpointResource {

    @Inject
    EndpointRegistry registry;

    @Inject
    NodesConsumer nodes;

    @Inject
    EndpointReads reads;

    @PUT
    @Path("/{namespace}/{pod}")
    @Operation(summary = "Register or update an endpoint; returns it with its identity")
    @APIResponse(responseCode = "200", description = "The endpoint with its identity")
    @APIResponse(responseCode = "400", description = "Invalid input (labels, IPs, names, ports)")
    @APIResponse(
            responseCode = "409",
            description = "An IP is held by another live endpoint (named) or is a node's own")
    @APIResponse(responseCode = "422", description = "The namespace (or, when required, the node) does not exist")
    public EndpointView register(
            @PathParam("namespace") String namespace, @PathParam("pod") String pod, EndpointRequest request) {
        if (request == null) {
            throw CommandRejectedException.invalid("body", "an endpoint body is required");
        }
        List<NamedPort.Requested> ports = request.namedPorts() == null
                ? null
                : request.namedPorts().stream()
                        .map(p -> p == null ? null : new NamedPort.Requested(p.name(), p.port(), p.protocol()))
                        .collect(java.util.stream.Collectors.toList());
        EndpointSpec spec = EndpointSpec.of(
                namespace,
                pod,
                request.uid(),
                request.node(),
                request.ips(),
                request.labels(),
                request.serviceAccount(),
                ports);
        nodes.admit(spec);
        return EndpointView.of(registry.register(spec));
    }

    @GET
    @Operation(
            summary = "List endpoints in (namespace, pod) order, optionally by namespace, node and identity",
            description = "Without limit, every endpoint in one answer. With limit, one page: when more follow, the"
                    + " next page's address is in the Link header (rel=\"next\") and its token in Tendril-Continue;"
                    + " pass it back as continue with the same filters. Endpoints present from the first page to the"
                    + " last are listed once each, in order, whatever is registered meanwhile.")
    @APIResponse(
            responseCode = "400",
            description =
                    "Invalid namespace, node, limit (1..10000) or continue (not issued here, or for other filters)")
    public Uni<RestResponse<List<EndpointView>>> list(
            @QueryParam("namespace") String namespace,
            @QueryParam("node") String node,
            @QueryParam("identity") Long identity,
            @Parameter(description = "Most endpoints in this answer (1..10000); all when absent") @QueryParam("limit")
                    Integer limit,
            @Parameter(description = "The token of the next page, from the previous page's Tendril-Continue header")
                    @QueryParam("continue")
                    String token,
            @Context UriInfo uri) {
        if (namespace != null) {
            Names.namespace("namespace", namespace);
        }
        if (node != null) {
            Names.node("node", node);
        }
        PageRequest request = PageRequest.of(
                limit, token, EndpointReads.filters(namespace, node, identity), EndpointReads.KEY_COLUMNS);
        return reads.page(namespace, node, identity, request)
                .map(page -> page.map(EndpointView::of).response(uri));
    }

    @GET
    @Path("/{namespace}/{pod}")
    @APIResponse(responseCode = "404", description = "Not registered")
    public EndpointView get(@PathParam("namespace") String namespace, @PathParam("pod") String pod) {
        Names.namespace("namespace", namespace);
        Names.pod("pod", pod);
        return registry.endpoint(namespace, pod)
                .map(EndpointView::of)
                .orElseThrow(() -> CommandRejectedException.notFound(
                        "pod", "endpoint " + namespace + "/" + pod + " is not registered"));
    }

    @PUT
    @Path("/{namespace}/{pod}/terminating")
    @Operation(
            summary = "Mark an endpoint terminating: it is being deleted with a grace period",
            description = "A terminating endpoint keeps its identity and IPs (policy still applies to it) but is no"
                    + " Service backend for new connections; DELETE removes it when the grace period is over."
                    + " Idempotent.")
    @APIResponse(responseCode = "200", description = "The endpoint, terminating")
    @APIResponse(responseCode = "404", description = "Not registered, or registered with another uid than `uid`")
    public EndpointView markTerminating(
            @PathParam("namespace") String namespace, @PathParam("pod") String pod, @QueryParam("uid") String uid) {
        Names.namespace("namespace", namespace);
        Names.pod("pod", pod);
        if (uid != null && !uid.isEmpty()) {
            Names.uid("uid", uid);
        }
        return EndpointView.of(registry.markTerminating(namespace, pod, uid == null ? "" : uid));
    }

    @DELETE
    @Path("/{namespace}/{pod}")
    @Operation(summary = "Deregister an endpoint; its IPs are free again")
    @APIResponse(responseCode = "204", description = "Deregistered")
    @APIResponse(responseCode = "404", description = "Not registered")
    public void deregister(@PathParam("namespace") String namespace, @PathParam("pod") String pod) {
        Names.namespace("namespace", namespace);
        Names.pod("pod", pod);
        registry.deregister(namespace, pod);
    }
}
