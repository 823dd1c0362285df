package dev.tendril.identity.adapters.rest;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.identity.app.EndpointRegistry;
import dev.tendril.identity.domain.Names;
import dev.tendril.identity.domain.Namespace;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1/namespaces")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "namespaces", description = "Namespaces; their labels feed the identities of their pods")
public class NamespaceResource {

    @Inject
    EndpointRegistry registry;

    @PUT
    @Path("/{name}")
    @Operation(summary = "Create or relabel a namespace; a relabel moves its endpoints to their new identities")
    @APIResponse(responseCode = "400", description = "Invalid name or label")
    public Namespace upsert(@PathParam("name") String name, NamespaceRequest request) {
        return registry.upsertNamespace(Namespace.of(name, request == null ? null : request.labels()));
    }

    @GET
    @Operation(summary = "List namespaces")
    public List<Namespace> list() {
        return registry.namespaces();
    }

    @GET
    @Path("/{name}")
    @APIResponse(responseCode = "404", description = "No such namespace")
    public Namespace get(@PathParam("name") String name) {
        Names.namespace("name", name);
        return registry.namespace(name)
                .orElseThrow(
                        () -> CommandRejectedException.notFound("name", "namespace '" + name + "' does not exist"));
    }

    @DELETE
    @Path("/{name}")
    @Operation(summary = "Delete a namespace that has no endpoints")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such namespace")
    @APIResponse(responseCode = "409", description = "The namespace still has endpoints")
    public void delete(@PathParam("name") String name) {
        Names.namespace("name", name);
        registry.deleteNamespace(name);
    }
}
