package dev.tendril.identity.adapters.rest;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.identity.adapters.IdentityServiceConfig;
import dev.tendril.identity.adapters.reads.IdentityReads;
import dev.tendril.identity.app.Allocation;
import dev.tendril.identity.app.IdentityAllocator;
import dev.tendril.identity.domain.IdentityLabels;
import dev.tendril.identity.domain.LabelFilter;
import dev.tendril.identity.domain.LabelSyntax;
import dev.tendril.identity.domain.ReservedIdentity;
import dev.tendril.k8s.labels.Labels;
import dev.tendril.rest.paging.PageRequest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/v1/identities")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "identities", description = "Numeric security identities of label sets")
public class IdentityResource {

    @Inject
    IdentityAllocator allocator;

    @Inject
    LabelFilter filter;

    @Inject
    IdentityServiceConfig config;

    @Inject
    IdentityReads reads;

    @GET
    @Operation(
            summary = "List identities in id order (reserved ones first), optionally only those holding every given"
                    + " label",
            description = "At most limit identities (10000 when absent). When more follow, the next page's address is"
                    + " in the Link header (rel=\"next\") and its token in Tendril-Continue; pass it back as continue"
                    + " with the same labels.")
    @APIResponse(
            responseCode = "400",
            description = "Invalid label, limit (1..10000) or continue (not issued here, or for other labels)")
    public Uni<RestResponse<List<IdentityView>>> list(
            @Parameter(description = "source:key=value; repeatable, all must match") @QueryParam("label")
                    List<String> label,
            @QueryParam("limit") @DefaultValue("10000") int limit,
            @Parameter(description = "The token of the next page, from the previous page's Tendril-Continue header")
                    @QueryParam("continue")
                    String token,
            @Context UriInfo uri) {
        Labels wanted = LabelSyntax.parseLabels(label == null ? List.of() : label, "label");
        PageRequest request = PageRequest.of(limit, token, IdentityReads.filters(wanted), IdentityReads.KEY_COLUMNS);
        return reads.page(wanted, ReservedIdentity.inUse(config.dualStack()), request)
                .map(page -> page.map(IdentityResource::view).response(uri));
    }

    private static IdentityView view(IdentityReads.Listed listed) {
        return listed.reserved() != null
                ? reserved(listed.reserved())
                : new IdentityView(listed.id(), listed.labels(), null, null, listed.endpoints());
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One identity, reserved ones with their names")
    @APIResponse(responseCode = "404", description = "No such identity")
    public IdentityView get(@PathParam("id") String id) {
        long numeric;
        try {
            numeric = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw CommandRejectedException.invalid("id", "identity id '" + id + "' is not a number");
        }
        return ReservedIdentity.byId(numeric)
                .map(IdentityResource::reserved)
                .or(() -> allocator
                        .find(numeric)
                        .map(r -> new IdentityView(r.id(), r.labels().strings(), null, null, r.endpoints())))
                .orElseThrow(
                        () -> CommandRejectedException.notFound("id", "identity " + numeric + " is not allocated"));
    }

    @POST
    @Operation(summary = "Allocate-or-reuse the identity of a label set (only identity-relevant labels count)")
    @APIResponse(responseCode = "201", description = "A new identity was allocated")
    @APIResponse(responseCode = "200", description = "The label set already had this identity")
    @APIResponse(
            responseCode = "400",
            description = "Invalid label, unknown source, too many labels, reserved: or invalid cidr: labels")
    public Response allocate(AllocateRequest request) {
        if (request == null) {
            throw CommandRejectedException.invalid("labels", "body with labels is required");
        }
        Labels relevant = filter.filter(IdentityLabels.requested(request.labels(), "labels"));
        Allocation allocation = allocator.allocate(relevant);
        IdentityView view =
                new IdentityView(allocation.id(), allocation.labels().strings(), null, null, null);
        return Response.status(allocation.created() ? 201 : 200).entity(view).build();
    }

    private static IdentityView reserved(ReservedIdentity reserved) {
        return new IdentityView(reserved.id(), reserved.labels().strings(), reserved.label(), true, null);
    }
}
