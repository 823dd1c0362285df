package dev.tendril.cli.apply;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ServiceClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * NetworkPolicy and CiliumNetworkPolicy, owned by the policy service. All policy documents go in one
 * {@code PUT /v1/policies} ({@link ManifestCollection}), so the service validates and commits them as one
 * revision; a dry run that the service rejects (400) puts its errors on the operator's files and documents.
 */
final class PolicyHandler implements ManifestKindHandler {

    static final ManifestKind NETWORK_POLICY =
            new ManifestKind("NetworkPolicy", "networking.k8s.io/v1", "networkpolicy.networking.k8s.io", true);
    static final ManifestKind CILIUM_NETWORK_POLICY =
            new ManifestKind("CiliumNetworkPolicy", "cilium.io/v2", "ciliumnetworkpolicy.cilium.io", true);

    private final ManifestCollection policies;

    PolicyHandler(Supplier<ServiceClient> policy) {
        this.policies = new ManifestCollection("policy service", policy, "/v1/policies", Set.of(400));
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
        return policies.dryRun(manifests, errors).map(this::result).orElse(new ApplyResult(List.of(), List.of()));
    }

    @Override
    public ApplyResult apply(List<Manifest> manifests) {
        return result(policies.apply(manifests));
    }

    @Override
    public Outcome delete(Manifest manifest) {
        ManifestKind kind = kindOf(manifest.kind());
        return policies.delete(
                "/v1/policies/" + ServiceClient.segment(kind.kind()) + "/"
                        + ServiceClient.segment(manifest.namespace()) + "/"
                        + ServiceClient.segment(manifest.name()),
                kind,
                manifest);
    }

    private ApplyResult result(JsonNode answer) {
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

    private ManifestKind kindOf(String kind) {
        return kinds().stream().filter(k -> k.kind().equals(kind)).findFirst().orElseThrow();
    }
}
