package dev.tendril.policy.adapters.rest;

import dev.tendril.policy.adapters.reads.PolicyListRow;
import dev.tendril.policy.adapters.reads.PolicyReads;
import dev.tendril.policy.app.ApplyOutcome;
import dev.tendril.policy.app.PolicyRuntime;
import dev.tendril.policy.domain.CiliumNetworkPolicy;
import dev.tendril.policy.domain.NetworkPolicy;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyDocument;
import dev.tendril.policy.domain.PolicyEngine;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.manifest.Manifests;
import dev.tendril.rest.paging.PageRequest;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
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
import java.util.Locale;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

@Path("/v1/policies")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "policies", description = "NetworkPolicy and CiliumNetworkPolicy manifests")
public class PolicyResource {

    @Inject
    PolicyRuntime runtime;

    @Inject
    PolicyReads reads;

    @PUT
    @Consumes({"application/yaml", "application/x-yaml", "text/yaml", MediaType.APPLICATION_JSON})
    @Operation(summary = "Apply manifests (one or many documents, atomically); dryRun only validates and reports")
    @APIResponse(responseCode = "200", description = "Each policy created, configured or unchanged, with the revision")
    @APIResponse(responseCode = "400", description = "Invalid manifests: every error with document, field and reason")
    public Views.ApplyResponse apply(
            String body,
            @Parameter(description = "validate and report without storing") @QueryParam("dryRun") @DefaultValue("false")
                    boolean dryRun) {
        if (body == null || body.isBlank()) {
            throw RequestException.invalid("body", "no manifests in the request body");
        }
        List<PolicyDocument> documents = Manifests.parse(body);
        if (documents.isEmpty()) {
            throw RequestException.invalid("body", "no manifests in the request body");
        }
        ApplyOutcome outcome = runtime.apply(documents, dryRun);
        return new Views.ApplyResponse(
                outcome.revision(),
                outcome.policies().stream()
                        .map(a -> new Views.AppliedPolicy(
                                a.ref().kind(),
                                a.ref().namespace(),
                                a.ref().name(),
                                a.revision(),
                                a.result().name().toLowerCase(Locale.ROOT)))
                        .toList(),
                outcome.warnings(),
                dryRun ? Boolean.TRUE : null);
    }

    @GET
    @Operation(
            summary = "List policies in (namespace, kind, name) order with the subject identities each selects,"
                    + " optionally of one namespace and one kind",
            description = "Without limit, every policy in one answer. With limit, one page: when more follow, the"
                    + " next page's address is in the Link header (rel=\"next\") and its token in Tendril-Continue;"
                    + " pass it back as continue with the same filters. Policies stored from the first page to the"
                    + " last are listed once each, in order, whatever is applied meanwhile.")
    @APIResponse(
            responseCode = "400",
            description = "Invalid kind, limit (1..10000) or continue (not issued here, or for other filters)")
    public Uni<RestResponse<List<Views.PolicyView>>> list(
            @Parameter(description = "Only this namespace's policies; all when absent or empty")
                    @QueryParam("namespace")
                    String namespace,
            @Parameter(description = "Only NetworkPolicy or CiliumNetworkPolicy (any case)") @QueryParam("kind")
                    String kind,
            @Parameter(description = "Most policies in this answer (1..10000); all when absent") @QueryParam("limit")
                    Integer limit,
            @Parameter(description = "The token of the next page, from the previous page's Tendril-Continue header")
                    @QueryParam("continue")
                    String token,
            @Context UriInfo uri) {
        String ns = namespace == null || namespace.isEmpty() ? null : namespace;
        String k = kind == null || kind.isEmpty() ? null : kind(kind);
        PageRequest request = PageRequest.of(limit, token, PolicyReads.filters(ns, k), PolicyReads.KEY_COLUMNS);
        // The rows come from the database on the event loop; their subjects from the engine, under the runtime's
        // lock, which a write holds through its commit: that part runs on a worker thread.
        return reads.page(ns, k, request)
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(page -> runtime.read(v -> page.map(row -> view(v.engine(), row)))
                        .response(uri));
    }

    private static Views.PolicyView view(PolicyEngine engine, PolicyListRow row) {
        PolicyRef ref = row.ref();
        return new Views.PolicyView(
                ref.kind(), ref.namespace(), ref.name(), row.revision(), subjects(engine, ref), null);
    }

    @GET
    @Path("/{kind}/{namespace}/{name}")
    @Operation(summary = "One policy with its manifest")
    @APIResponse(responseCode = "404", description = "No such policy")
    public Views.PolicyView get(
            @PathParam("kind") String kind, @PathParam("namespace") String namespace, @PathParam("name") String name) {
        PolicyRef ref = new PolicyRef(kind(kind), namespace, name);
        return runtime.read(v -> {
            var stored = v.stored().get(ref);
            if (stored == null) {
                throw RequestException.notFound("name", "policy " + ref + " does not exist");
            }
            return new Views.PolicyView(
                    ref.kind(),
                    ref.namespace(),
                    ref.name(),
                    stored.revision(),
                    subjects(v.engine(), ref),
                    stored.manifest().document());
        });
    }

    @DELETE
    @Path("/{kind}/{namespace}/{name}")
    @Operation(summary = "Delete a policy")
    @APIResponse(responseCode = "404", description = "No such policy")
    public Views.RevisionView delete(
            @PathParam("kind") String kind, @PathParam("namespace") String namespace, @PathParam("name") String name) {
        return new Views.RevisionView(runtime.delete(new PolicyRef(kind(kind), namespace, name)));
    }

    /** NetworkPolicy or CiliumNetworkPolicy, any case. */
    static String kind(String kind) {
        if (NetworkPolicy.KIND.equalsIgnoreCase(kind)) {
            return NetworkPolicy.KIND;
        }
        if (CiliumNetworkPolicy.KIND.equalsIgnoreCase(kind)) {
            return CiliumNetworkPolicy.KIND;
        }
        throw RequestException.invalid("kind", "kind must be NetworkPolicy or CiliumNetworkPolicy, got '" + kind + "'");
    }

    private static List<Long> subjects(PolicyEngine engine, PolicyRef ref) {
        Policy policy = engine.policy(ref).orElse(null);
        if (policy == null) {
            return List.of();
        }
        return engine.identities().stream()
                .filter(engine::isLocalSubject)
                .filter(i -> policy.subject().matches(i))
                .map(i -> i.id())
                .sorted()
                .toList();
    }
}
