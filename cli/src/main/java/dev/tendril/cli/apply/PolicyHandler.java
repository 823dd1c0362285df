package dev.tendril.cli.apply;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * NetworkPolicy and CiliumNetworkPolicy, owned by the policy service. All policy documents go in one
 * {@code PUT /v1/policies} (multi-document YAML), so the service validates and commits them as one revision;
 * the dry run is the same request with {@code dryRun=true}. The service's errors name the document of that
 * body, which this class maps back to the operator's file and document.
 */
final class PolicyHandler implements ManifestKindHandler {

    static final ManifestKind NETWORK_POLICY =
            new ManifestKind("NetworkPolicy", "networking.k8s.io/v1", "networkpolicy.networking.k8s.io", true);
    static final ManifestKind CILIUM_NETWORK_POLICY =
            new ManifestKind("CiliumNetworkPolicy", "cilium.io/v2", "ciliumnetworkpolicy.cilium.io", true);
    static final String CONTENT_TYPE = "application/yaml";

    private static final ObjectMapper YAML = new YAMLMapper();

    private final Supplier<ServiceClient> policy;

    PolicyHandler(Supplier<ServiceClient> policy) {
        this.policy = policy;
    }

    @Override
    public List<ManifestKind> kinds() {
        return List.of(NETWORK_POLICY, CILIUM_NETWORK_POLICY);
    }

    @Override
    public void check(Manifest manifest, List<ManifestError> errors) {
        JsonNode body = manifest.body();
        boolean cilium = CILIUM_NETWORK_POLICY.kind().equals(manifest.kind());
        if (cilium && !body.path("spec").isObject() && !body.path("specs").isArray()) {
            errors.add(manifest.error("spec", "required (or specs)"));
        } else if (!cilium && !body.path("spec").isObject()) {
            errors.add(manifest.error("spec", "required"));
        }
    }

    @Override
    public ApplyResult dryRun(List<Manifest> manifests, List<ManifestError> errors) {
        try {
            return put(manifests, true);
        } catch (ServiceException e) {
            if (e.status() != 400 || e.problem() == null) {
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
        ManifestKind kind = kindOf(manifest.kind());
        JsonNode answer = policy.get()
                .delete(
                        "/v1/policies/" + ServiceClient.segment(kind.kind()) + "/"
                                + ServiceClient.segment(manifest.namespace()) + "/"
                                + ServiceClient.segment(manifest.name()),
                        Map.of());
        Long revision = answer != null && answer.hasNonNull("revision")
                ? answer.get("revision").asLong()
                : null;
        return new Outcome(kind.kind(), manifest.namespace(), manifest.name(), "deleted", revision, kind.resource());
    }

    /** The documents as one multi-document YAML body, in the order of {@code manifests}. */
    static String body(List<Manifest> manifests) {
        StringBuilder yaml = new StringBuilder();
        for (Manifest manifest : manifests) {
            try {
                // Each document starts with "---", which separates it from the one before.
                yaml.append(YAML.writeValueAsString(manifest.body()));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write YAML: " + e.getOriginalMessage(), e);
            }
        }
        return yaml.toString();
    }

    private ApplyResult put(List<Manifest> manifests, boolean dryRun) {
        JsonNode answer = policy.get()
                .put("/v1/policies", dryRun ? Map.of("dryRun", "true") : Map.of(), body(manifests), CONTENT_TYPE);
        List<Outcome> outcomes = new ArrayList<>();
        for (JsonNode applied : answer.path("policies")) {
            String kindName = applied.path("kind").asText();
            ManifestKind kind = kinds().stream()
                    .filter(k -> k.kind().equals(kindName))
                    .findFirst()
                    .orElse(new ManifestKind(kindName, "", kindName.toLowerCase(java.util.Locale.ROOT), true));
            outcomes.add(new Outcome(
                    kind.kind(),
                    applied.path("namespace").asText(null),
                    applied.path("name").asText(),
                    applied.path("result").asText(),
                    applied.hasNonNull("revision") ? applied.get("revision").asLong() : null,
                    kind.resource()));
        }
        List<String> warnings = new ArrayList<>();
        answer.path("warnings").forEach(warning -> warnings.add(warning.asText()));
        return new ApplyResult(outcomes, warnings);
    }

    /** The service's errors, each on the file and document it came from; the detail alone when none is named. */
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
            errors.add(new ManifestError(
                    "policy service", 0, null, problem.path("detail").asText(e.getMessage())));
        }
    }

    private ManifestKind kindOf(String kind) {
        return kinds().stream().filter(k -> k.kind().equals(kind)).findFirst().orElseThrow();
    }
}
