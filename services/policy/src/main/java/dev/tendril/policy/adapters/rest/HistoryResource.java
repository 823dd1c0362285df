package dev.tendril.policy.adapters.rest;

import dev.tendril.eventstore.quarkus.EventHistory;
import dev.tendril.eventstore.quarkus.HistoryView;
import dev.tendril.k8s.KubernetesNames;
import dev.tendril.policy.adapters.persistence.LbStore;
import dev.tendril.policy.adapters.persistence.PolicyStore;
import dev.tendril.policy.domain.CiliumNetworkPolicy;
import dev.tendril.policy.domain.NetworkPolicy;
import dev.tendril.policy.domain.PolicyRef;
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

/**
 * Who changed what: a policy's or a Service's applies and deletes, and what happened to an identity's policy map
 * (an overflow), from the event log.
 */
@Path("/v1/history")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "history", description = "The changes of one object: when, by whom, in which request, what")
public class HistoryResource {

    static final List<String> KINDS = List.of(NetworkPolicy.KIND, CiliumNetworkPolicy.KIND, "Identity", "Service");

    @Inject
    EventHistory history;

    @GET
    @Operation(
            summary =
                    "The changes of one object (kind NetworkPolicy, CiliumNetworkPolicy, Identity or Service), oldest first")
    @APIResponse(responseCode = "200", description = "The object's changes; none if it never existed")
    @APIResponse(responseCode = "400", description = "Unknown kind, or a name that is not valid for it")
    public HistoryView history(
            @QueryParam("kind") String kind,
            @QueryParam("namespace") String namespace,
            @QueryParam("name") String name) {
        if (kind == null || !KINDS.contains(kind)) {
            throw RequestException.invalid("kind", "must be one of " + String.join(", ", KINDS));
        }
        if (kind.equals("Identity")) {
            long subject = identityId(name);
            return new HistoryView(kind, null, name, history.ofStreams(List.of(PolicyStore.subjectStreamId(subject))));
        }
        String ns = namespace == null ? "default" : namespace;
        if (!KubernetesNames.isDnsLabel(ns)) {
            throw RequestException.invalid("namespace", "must be a DNS label (lower-case alphanumerics and '-')");
        }
        if (name == null || !KubernetesNames.isDnsSubdomain(name)) {
            throw RequestException.invalid(
                    "name", "a policy name must be a DNS subdomain (lower-case alphanumerics, '-' and '.')");
        }
        if (kind.equals("Service")) {
            return new HistoryView(kind, ns, name, history.ofStreams(List.of(LbStore.serviceStream(ns, name))));
        }
        return new HistoryView(
                kind, ns, name, history.ofStreams(List.of(PolicyStore.streamId(new PolicyRef(kind, ns, name)))));
    }

    private static long identityId(String name) {
        if (name != null && name.matches("[0-9]{1,18}") && Long.parseLong(name) > 0) {
            return Long.parseLong(name);
        }
        throw RequestException.invalid("name", "an identity is named by its number, such as 12345");
    }
}
