package dev.tendril.cli.apply;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ServiceClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Service (v1) and EndpointSlice (discovery.k8s.io/v1), owned by the policy service (docs/services.md). All
 * documents of both kinds go in one {@code PUT /v1/services} ({@link ManifestCollection}), so the service validates
 * and commits them together (an EndpointSlice may name a Service of the same apply). The service checks everything it can see (ClusterIP range and clashes, port
 * clashes, the slice's {@code kubernetes.io/service-name}); this class checks only what it cannot: a document
 * without a {@code spec} (Service) or without {@code endpoints}/{@code addressType} (EndpointSlice).
 */
final class ServiceHandler implements ManifestKindHandler {

    static final ManifestKind SERVICE = new ManifestKind("Service", "v1", "service", true);
    static final ManifestKind ENDPOINT_SLICE =
            new ManifestKind("EndpointSlice", "discovery.k8s.io/v1", "endpointslice.discovery.k8s.io", true);

    private final ManifestCollection services;

    ServiceHandler(Supplier<ServiceClient> policy) {
        // 409 (a ClusterIP or port taken) and 422 reject the documents too, not only 400.
        this.services = new ManifestCollection("policy service", policy, "/v1/services", Set.of(400, 409, 422));
    }

    @Override
    public List<ManifestKind> kinds() {
        return List.of(SERVICE, ENDPOINT_SLICE);
    }

    @Override
    public void check(Manifest manifest, List<ManifestError> errors) {
        JsonNode body = manifest.body();
        if (SERVICE.kind().equals(manifest.kind())) {
            if (!body.path("spec").isObject()) {
                errors.add(manifest.error("spec", "required"));
            } else if (!body.path("spec").path("ports").isArray()
                    || body.path("spec").path("ports").isEmpty()) {
                errors.add(manifest.error("spec.ports", "required (at least one port)"));
            }
        } else {
            if (!body.path("addressType").isTextual()) {
                errors.add(manifest.error("addressType", "required (IPv4 or IPv6)"));
            }
            if (body.has("endpoints") && !body.path("endpoints").isArray()) {
                errors.add(manifest.error("endpoints", "must be a list"));
            }
        }
    }

    @Override
    public ApplyResult dryRun(List<Manifest> manifests, List<ManifestError> errors) {
        return services.dryRun(manifests, errors)
                .map(ServiceHandler::result)
                .orElse(new ApplyResult(List.of(), List.of()));
    }

    @Override
    public ApplyResult apply(List<Manifest> manifests) {
        return result(services.apply(manifests));
    }

    @Override
    public Outcome delete(Manifest manifest) {
        boolean service = SERVICE.kind().equals(manifest.kind());
        return services.delete(
                (service ? "/v1/services/" : "/v1/endpointslices/")
                        + ServiceClient.segment(manifest.namespace()) + "/"
                        + ServiceClient.segment(manifest.name()),
                service ? SERVICE : ENDPOINT_SLICE,
                manifest);
    }

    private static ApplyResult result(JsonNode answer) {
        Long revision = answer.hasNonNull("revision") ? answer.get("revision").asLong() : null;
        List<Outcome> outcomes = new ArrayList<>();
        answer.path("services").forEach(view -> outcomes.add(outcome(SERVICE, view, revision)));
        answer.path("endpointSlices").forEach(view -> outcomes.add(outcome(ENDPOINT_SLICE, view, revision)));
        List<String> warnings = new ArrayList<>();
        answer.path("warnings").forEach(warning -> warnings.add(warning.asText()));
        // A Service whose targetPort no pod declares is accepted with no backend; its conditions say so.
        answer.path("services")
                .forEach(view -> view.path("conditions")
                        .forEach(condition ->
                                warnings.add("Service " + view.path("namespace").asText() + "/"
                                        + view.path("name").asText() + ": " + condition.asText())));
        return new ApplyResult(outcomes, warnings);
    }

    /**
     * One applied object; the service's {@code result} (created, configured, unchanged) when it sends one,
     * {@code configured} otherwise.
     */
    private static Outcome outcome(ManifestKind kind, JsonNode view, Long revision) {
        Long own =
                view.hasNonNull("revision") ? Long.valueOf(view.get("revision").asLong()) : revision;
        return new Outcome(
                kind.kind(),
                view.path("namespace").asText(null),
                view.path("name").asText(),
                view.path("result").asText("configured"),
                own,
                kind.resource());
    }
}
