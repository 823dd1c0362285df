package dev.tendril.ipam.adapters.rest;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.ipam.adapters.reads.IpamReads;
import dev.tendril.ipam.app.IpamQueries.AllocationRow;
import dev.tendril.ipam.app.IpamQueries.NodeRow;
import dev.tendril.ipam.app.IpamService;
import dev.tendril.ipam.app.IpamService.PoolStatus;
import dev.tendril.ipam.domain.NodeNames;
import dev.tendril.rest.ProblemException;
import dev.tendril.rest.paging.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * {@code /v1}: pools, nodes and pod address allocations. Commands and single reads are JDBC underneath, so they run on
 * worker threads; the lists ({@code Uni}) are read in keyset pages with Hibernate Reactive on the event loop.
 */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class IpamResource {

    @Inject
    IpamService ipam;

    @Inject
    IpamReads reads;

    private static final String PAGES = "Without limit, all in one answer. With limit, one page: when more follow, the"
            + " next page's address is in the Link header (rel=\"next\") and its token in Tendril-Continue; pass it"
            + " back as continue with the same filters. Rows present from the first page to the last are listed once"
            + " each, in order, whatever is written meanwhile.";

    public record NodeRequest(List<String> ips) {}

    public record NodeResponse(
            String name, List<String> ips, List<String> podCIDRs, List<String> routerIPs, String cluster) {
        static NodeResponse of(NodeRow row) {
            return new NodeResponse(row.name(), row.ips(), row.podCidrs(), row.routerIps(), row.cluster());
        }
    }

    public record AllocationRequest(String owner, String uid) {}

    public record AllocationResponse(List<String> ips) {}

    public record AllocationView(
            String ip, String node, String family, String owner, String uid, Instant allocatedAt, boolean confirmed) {
        static AllocationView of(AllocationRow row) {
            return new AllocationView(
                    row.ip(), row.node(), row.family(), row.owner(), row.uid(), row.allocatedAt(), row.confirmed());
        }
    }

    public record ReleaseResponse(String ip, boolean released) {}

    public record PodReleaseResponse(String uid, List<String> released) {}

    @GET
    @Path("/pools")
    public List<PoolStatus> pools() {
        return ipam.pools();
    }

    @PUT
    @Path("/nodes/{name}")
    public NodeResponse register(@PathParam("name") String name, NodeRequest request) {
        // A body without "ips" (empty, or only other fields) is refused, never read as "no addresses".
        if (request == null || request.ips() == null) {
            throw CommandRejectedException.invalid(
                    "ips", "the node's addresses are required: {\"ips\":[\"192.168.0.10\"]}");
        }
        var view = ipam.registerNode(name, request.ips());
        return new NodeResponse(view.name(), view.ips(), view.podCidrs(), view.routerIps(), view.cluster());
    }

    @GET
    @Path("/nodes")
    @Operation(summary = "List the registered nodes in name order", description = PAGES)
    @APIResponse(responseCode = "400", description = "Invalid limit (1..10000) or continue (not issued here)")
    public Uni<RestResponse<List<NodeResponse>>> nodes(
            @Parameter(description = "Most nodes in this answer (1..10000); all when absent") @QueryParam("limit")
                    Integer limit,
            @Parameter(description = "The token of the next page, from the previous page's Tendril-Continue header")
                    @QueryParam("continue")
                    String token,
            @Context UriInfo uri) {
        PageRequest request = PageRequest.of(limit, token, Map.of(), IpamReads.NODE_KEY_COLUMNS);
        return reads.nodes(request).map(page -> page.map(NodeResponse::of).response(uri));
    }

    @GET
    @Path("/nodes/{name}")
    public NodeResponse node(@PathParam("name") String name) {
        return NodeResponse.of(ipam.node(name));
    }

    @DELETE
    @Path("/nodes/{name}")
    public Response deregister(
            @PathParam("name") String name, @QueryParam("force") @DefaultValue("false") boolean force) {
        ipam.deregisterNode(name, force);
        return Response.noContent().build();
    }

    @POST
    @Path("/nodes/{name}/allocations")
    public Response allocate(@PathParam("name") String name, AllocationRequest request) {
        if (request == null) {
            throw CommandRejectedException.invalid("body", "expected {\"owner\":\"namespace/pod\",\"uid\":\"...\"}");
        }
        var allocation = ipam.allocate(name, request.owner(), request.uid());
        return Response.status(allocation.created() ? 201 : 200)
                .entity(new AllocationResponse(allocation.ips()))
                .build();
    }

    @GET
    @Path("/nodes/{name}/allocations")
    @Operation(summary = "List the node's pod addresses, oldest first", description = PAGES)
    @APIResponse(
            responseCode = "400",
            description = "Invalid name, limit (1..10000) or continue (not issued here, or for another node)")
    @APIResponse(responseCode = "404", description = "The node is not registered")
    public Uni<RestResponse<List<AllocationView>>> allocations(
            @PathParam("name") String name,
            @Parameter(description = "Most addresses in this answer (1..10000); all when absent") @QueryParam("limit")
                    Integer limit,
            @Parameter(description = "The token of the next page, from the previous page's Tendril-Continue header")
                    @QueryParam("continue")
                    String token,
            @Context UriInfo uri) {
        NodeNames.check(name);
        return allocationPage(name, true, limit, token, uri);
    }

    @GET
    @Path("/allocations")
    @Operation(
            summary = "List the pod addresses of every node, or of one, by node and then oldest first",
            description = PAGES)
    @APIResponse(
            responseCode = "400",
            description = "Invalid node, limit (1..10000) or continue (not issued here, or for other filters)")
    public Uni<RestResponse<List<AllocationView>>> allAllocations(
            @Parameter(description = "Only this node's addresses (an unknown node has none)") @QueryParam("node")
                    String node,
            @Parameter(description = "Most addresses in this answer (1..10000); all when absent") @QueryParam("limit")
                    Integer limit,
            @Parameter(description = "The token of the next page, from the previous page's Tendril-Continue header")
                    @QueryParam("continue")
                    String token,
            @Context UriInfo uri) {
        if (node != null) {
            try {
                NodeNames.check(node);
            } catch (CommandRejectedException e) {
                throw ProblemException.invalid("node", e.reason());
            }
        }
        return allocationPage(node, false, limit, token, uri);
    }

    private Uni<RestResponse<List<AllocationView>>> allocationPage(
            String node, boolean nodeMustExist, Integer limit, String token, UriInfo uri) {
        PageRequest request =
                PageRequest.of(limit, token, IpamReads.allocationFilters(node), IpamReads.ALLOCATION_KEY_COLUMNS);
        return reads.allocations(node, nodeMustExist, request)
                .map(page -> page.map(AllocationView::of).response(uri));
    }

    @DELETE
    @Path("/nodes/{name}/allocations/{ip}")
    public ReleaseResponse release(
            @PathParam("name") String name, @PathParam("ip") String ip, @QueryParam("uid") String uid) {
        if (uid == null || uid.isBlank()) {
            throw CommandRejectedException.invalid(
                    "uid", "a release must carry ?uid= of the pod that holds the address");
        }
        return new ReleaseResponse(ip, ipam.release(name, ip, uid));
    }

    /**
     * Frees every address of the pod incarnation {@code uid} (one command for a dual-stack pod);
     * {@code rollback=true}: its creation failed, addresses never confirmed skip the quarantine.
     */
    @DELETE
    @Path("/nodes/{name}/allocations")
    public PodReleaseResponse releasePod(
            @PathParam("name") String name,
            @QueryParam("uid") String uid,
            @QueryParam("rollback") @DefaultValue("false") boolean rollback) {
        if (uid == null || uid.isBlank()) {
            throw CommandRejectedException.invalid(
                    "uid", "a release must carry ?uid= of the pod that holds the addresses");
        }
        return new PodReleaseResponse(uid, ipam.releasePod(name, uid, rollback));
    }

    @POST
    @Path("/nodes/{name}/allocations/confirm")
    @Consumes(MediaType.WILDCARD)
    public Response confirm(@PathParam("name") String name, @QueryParam("uid") String uid) {
        if (uid == null || uid.isBlank()) {
            throw CommandRejectedException.invalid("uid", "uid must not be empty");
        }
        ipam.confirm(name, uid);
        return Response.noContent().build();
    }
}
