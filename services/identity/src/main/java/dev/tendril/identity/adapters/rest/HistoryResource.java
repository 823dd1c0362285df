package dev.tendril.identity.adapters.rest;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.quarkus.EventHistory;
import dev.tendril.eventstore.quarkus.HistoryView;
import dev.tendril.identity.app.EndpointRegistry;
import dev.tendril.identity.app.IdentityAllocator;
import dev.tendril.identity.domain.Names;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Who changed what: the changes of a namespace, a pod's endpoint or an identity, from the event log. */
@Path("/v1/history")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "history", description = "The changes of one object: when, by whom, in which request, what")
public class HistoryResource {

    static final List<String> KINDS = List.of("Namespace", "Pod", "Identity");

    @Inject
    EventHistory history;

    @GET
    @Operation(summary = "The changes of one object (kind Namespace, Pod or Identity), oldest first")
    @APIResponse(responseCode = "200", description = "The object's changes; none if it never existed")
    @APIResponse(responseCode = "400", description = "Unknown kind, or a name that is not valid for it")
    public HistoryView history(
            @QueryParam("kind") String kind,
            @QueryParam("namespace") String namespace,
            @QueryParam("name") String name) {
        if (kind == null || !KINDS.contains(kind)) {
            throw CommandRejectedException.invalid("kind", "must be one of " + String.join(", ", KINDS));
        }
        if (name == null) {
            throw CommandRejectedException.invalid("name", "is required");
        }
        return switch (kind) {
            case "Namespace" -> {
                Names.namespace("name", name);
                yield new HistoryView(
                        kind, null, name, history.ofStreams(List.of(EndpointRegistry.namespaceStream(name))));
            }
            case "Pod" -> {
                String ns = namespace == null ? "default" : Names.namespace("namespace", namespace);
                Names.pod("name", name);
                yield new HistoryView(
                        kind, ns, name, history.ofStreams(List.of(EndpointRegistry.endpointStream(ns, name))));
            }
            default ->
                new HistoryView(
                        kind, null, name, history.ofStreams(List.of(IdentityAllocator.streamId(identityId(name)))));
        };
    }

    static long identityId(String name) {
        if (name.matches("[0-9]{1,18}") && Long.parseLong(name) > 0) {
            return Long.parseLong(name);
        }
        throw CommandRejectedException.invalid("name", "an identity is named by its number, such as 12345");
    }
}
