package dev.tendril.policy.adapters.rest;

import dev.tendril.datapath.policymap.Direction;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.domain.PolicyEngine;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.SubjectPolicy;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "policy maps", description = "Computed policy maps and the selector cache")
public class PolicyMapResource {

    @Inject
    PolicyRuntime runtime;

    @GET
    @Path("/identities/{id}/policymap")
    @Operation(summary = "The computed policy map of a subject identity, like cilium bpf policy get")
    @APIResponse(responseCode = "404", description = "Unknown identity, or one that owns no policy map")
    public Views.PolicyMapView policyMap(@PathParam("id") String id) {
        long subject;
        try {
            subject = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw RequestException.invalid("id", "identity '" + id + "' is not a number");
        }
        return runtime.read(v -> {
            PolicyEngine engine = v.engine();
            if (engine.identity(subject).isEmpty()) {
                throw RequestException.notFound("id", "identity " + subject + " is not known");
            }
            SubjectPolicy sp = engine.subject(subject)
                    .orElseThrow(() -> RequestException.notFound(
                            "id",
                            engine.overflows().stream().anyMatch(o -> o.subject() == subject)
                                    ? "the policy map of identity " + subject
                                            + " overflows map-max-entries and was never published"
                                    : "identity " + subject
                                            + " owns no policy map (world and CIDR identities have none)"));
            return new Views.PolicyMapView(
                    subject,
                    v.publishedRevision(subject),
                    refs(sp.enforcedBy().get(Direction.INGRESS)),
                    refs(sp.enforcedBy().get(Direction.EGRESS)),
                    sp.entries().values().stream()
                            .map(e -> PolicyMapRows.row(e, engine::identity))
                            .toList());
        });
    }

    @GET
    @Path("/selectors")
    @Operation(
            summary = "The selector cache: each distinct selector, the identities it selects and the policies using it")
    public List<Views.SelectorView> selectors() {
        return runtime.read(v -> v.engine().selectors().stream()
                .map(s -> new Views.SelectorView(
                        s.selector(),
                        List.copyOf(s.selected()),
                        s.users().stream().map(PolicyRef::toString).toList()))
                .toList());
    }

    private static List<String> refs(Set<PolicyRef> refs) {
        return refs == null ? List.of() : refs.stream().map(PolicyRef::toString).toList();
    }
}
