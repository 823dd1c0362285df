package dev.tendril.ipam.adapters.rest;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.ipam.app.IpamQueries.AllocationRow;
import dev.tendril.ipam.app.IpamQueries.NodeRow;
import dev.tendril.ipam.app.IpamService;
import dev.tendril.ipam.app.IpamService.PoolStatus;
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
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;

/** {@code /v1}: pools, nodes and pod address allocations. JDBC underneath, so these run on worker threads. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class IpamResource {

    @Inject
    IpamService ipam;

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
            String ip, String family, String owner, String uid, Instant allocatedAt, boolean confirmed) {
        static AllocationView of(AllocationRow row) {
            return new AllocationView(
                    row.ip(), row.family(), row.owner(), row.uid(), row.allocatedAt(), row.confirmed());
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
    public List<NodeResponse> nodes() {
        return ipam.nodes().stream().map(NodeResponse::of).toList();
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
    public List<AllocationView> allocations(@PathParam("name") String name) {
        return ipam.allocations(name).stream().map(AllocationView::of).toList();
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
