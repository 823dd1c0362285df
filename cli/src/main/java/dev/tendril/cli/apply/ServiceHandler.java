package dev.tendril.cli.apply;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Service (v1) and EndpointSlice (discovery.k8s.io/v1), owned by the policy service (docs/services.md). All
 * documents of both kinds go in one {@code PUT /v1/services} (multi-document YAML), so the service validates and
 * commits them together (an EndpointSlice may name a Service of the same apply); the dry run is the same request
 * with {@code dryRun=true}. The service checks everything it can see (ClusterIP range and clashes, port
 * clashes, the slice's {@code kubernetes.io/service-name}); this class checks only what it cannot: a document
 * without a {@code spec} (Service) or without {@code endpoints}/{@code addressType} (EndpointSlice).
 */
final class ServiceHandler implements ManifestKindHandler {

    static final ManifestKind SERVICE = new ManifestKind("Service", "v1", "service", true);
    static final ManifestKind ENDPOINT_SLICE =
            new ManifestKind("EndpointSlice", "discovery.k8s.io/v1", "endpointslice.discovery.k8s.io", true);

    /** The problem statuses that reject the documents themselves (anything else is the service failing). */
    private static final Set<Integer> REJECTIONS = Set.of(400, 409, 422);

    private final Supplier<ServiceClient> policy;

    ServiceHandler(Supplier<ServiceClient> policy) {
        this.policy = policy;
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
        try {
            return put(manifests, true);
        } catch (ServiceException e) {
            if (!REJECTIONS.contains(e.status()) || e.problem() == null) {
                throw e;
            }
            rejected(manifests, e, errors);
            return new ApplyResult(List.of(), List.of());
        }
    }

    @Override
    public ApplyResult apply(List<Manifest> manifests) {
        return put(manifests, false);
    }

    @Override
    public Outcome delete(Manifest manifest) {
        boolean service = SERVICE.kind().equals(manifest.kind());
        ManifestKind kind = service ? SERVICE : ENDPOINT_SLICE;
        JsonNode answer = policy.get()
                .delete(
                        (service ? "/v1/services/" : "/v1/endpointslices/")
                                + ServiceClient.segment(manifest.namespace()) + "/"
                                + ServiceClient.segment(manifest.name()),
                        Map.of());
        Long revision = answer != null && answer.hasNonNull("revision")
                ? answer.get("revision").asLong()
                : null;
        return new Outcome(kind.kind(), manifest.namespace(), manifest.name(), "deleted", revision, kind.resource());
    }

    private ApplyResult put(List<Manifest> manifests, boolean dryRun) {
        JsonNode answer = policy.get()
                .put(
                        "/v1/services",
                        dryRun ? Map.of("dryRun", "true") : Map.of(),
                        PolicyHandler.body(manifests),
                        PolicyHandler.CONTENT_TYPE);
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

    /**
     * The service's rejection on the file and document it came from: each of the problem's {@code errors[]}
     * ({@code document}, {@code field}, {@code reason}), else its top-level {@code field} and {@code detail}
     * (on the document whose {@code namespace}/{@code name} it names, when it names one).
     */
    private static void rejected(List<Manifest> manifests, ServiceException e, List<ManifestError> errors) {
        JsonNode problem = e.problem();
        int before = errors.size();
        for (JsonNode error : problem.path("errors")) {
            int document = error.path("document").asInt(0);
            String field = error.hasNonNull("field") ? error.get("field").asText() : null;
            String reason = error.path("reason").asText("invalid");
            if (document >= 1 && document <= manifests.size()) {
                errors.add(manifests.get(document - 1).error(field, reason));
            } else {
                errors.add(new ManifestError("policy service", 0, field, reason));
            }
        }
        if (errors.size() == before) {
            String field = problem.hasNonNull("field") ? problem.get("field").asText() : null;
            String reason = problem.path("detail").asText(e.getMessage());
            Manifest named = named(manifests, problem);
            errors.add(
                    named != null ? named.error(field, reason) : new ManifestError("policy service", 0, field, reason));
        }
    }

    private static Manifest named(List<Manifest> manifests, JsonNode problem) {
        String name = problem.path("name").asText(null);
        if (name == null) {
            return null;
        }
        String namespace = problem.path("namespace").asText(null);
        String kind = problem.path("kind").asText(null);
        return manifests.stream()
                .filter(m -> name.equals(m.name())
                        && (namespace == null || namespace.equals(m.namespace()))
                        && (kind == null || kind.equals(m.kind())))
                .findFirst()
                .orElse(null);
    }
}
