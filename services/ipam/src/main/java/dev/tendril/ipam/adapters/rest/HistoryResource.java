package dev.tendril.ipam.adapters.rest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.eventstore.quarkus.EventHistory;
import dev.tendril.eventstore.quarkus.HistoryEntry;
import dev.tendril.eventstore.quarkus.HistoryView;
import dev.tendril.ipam.app.IpamService;
import dev.tendril.ipam.domain.NodeNames;
import dev.tendril.k8s.KubernetesNames;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Who changed what: a node's changes (its stream and its CIDRs in the pool's) and a pod's addresses
 * (allocated, confirmed, released: events of its node's stream, found by owner and then by uid).
 */
@Path("/v1/history")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "history", description = "The changes of one object: when, by whom, in which request, what")
public class HistoryResource {

    static final List<String> KINDS = List.of("Node", "Pod");

    @Inject
    EventHistory history;

    @GET
    @Operation(summary = "The changes of one object (kind Node or Pod), oldest first")
    @APIResponse(responseCode = "200", description = "The object's changes; none if it never existed")
    @APIResponse(responseCode = "400", description = "Unknown kind, or a name that is not valid for it")
    public HistoryView history(
            @QueryParam("kind") String kind,
            @QueryParam("namespace") String namespace,
            @QueryParam("name") String name) {
        if (kind == null || !KINDS.contains(kind)) {
            throw CommandRejectedException.invalid("kind", "must be one of " + String.join(", ", KINDS));
        }
        if (kind.equals("Node")) {
            NodeNames.check(name);
            List<HistoryEntry> changes = new ArrayList<>(history.ofStreams(List.of(IpamService.nodeStream(name))));
            changes.addAll(history.byPayloadField(IpamService.POOL_STREAM, "node", List.of(name)));
            changes.sort(Comparator.comparing(HistoryEntry::time).thenComparingLong(HistoryEntry::position));
            return new HistoryView(kind, null, name, changes);
        }
        String ns = namespace == null ? "default" : namespace;
        if (!KubernetesNames.isDnsLabel(ns)) {
            throw CommandRejectedException.invalid(
                    "namespace", "must be a DNS label (lower-case alphanumerics and '-')");
        }
        if (name == null || !KubernetesNames.isDnsSubdomain(name)) {
            throw CommandRejectedException.invalid(
                    "name", "a pod name must be a DNS subdomain (lower-case alphanumerics, '-' and '.')");
        }
        List<String> uids =
                history.byPayloadField(IpamService.NODE_STREAM_PREFIX, "owner", List.of(ns + "/" + name)).stream()
                        .map(HistoryEntry::what)
                        .map(what -> what.path("uid"))
                        .filter(JsonNode::isTextual)
                        .map(JsonNode::asText)
                        .distinct()
                        .toList();
        List<HistoryEntry> changes =
                uids.isEmpty() ? List.of() : history.byPayloadField(IpamService.NODE_STREAM_PREFIX, "uid", uids);
        return new HistoryView(kind, ns, name, changes);
    }
}
