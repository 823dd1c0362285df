package dev.tendril.cli.apply;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Namespaces, owned by the identity service ({@code PUT/GET/DELETE /v1/namespaces/{name}}). The service's upsert
 * does not say whether anything changed, so the current labels are read first: that decides between
 * {@code created}, {@code configured} and {@code unchanged}, and an unchanged namespace is not written.
 */
final class NamespaceHandler implements ManifestKindHandler {

    static final ManifestKind NAMESPACE = new ManifestKind("Namespace", "v1", "namespace", false);
    /** The label the identity service adds to every namespace, as Kubernetes does. */
    static final String METADATA_NAME_LABEL = "kubernetes.io/metadata.name";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private final Supplier<ServiceClient> identity;

    NamespaceHandler(Supplier<ServiceClient> identity) {
        this.identity = identity;
    }

    @Override
    public List<ManifestKind> kinds() {
        return List.of(NAMESPACE);
    }

    @Override
    public void check(Manifest manifest, List<ManifestError> errors) {
        if (!DNS_LABEL.matcher(manifest.name()).matches()) {
            errors.add(manifest.error(
                    "metadata.name",
                    "\"" + manifest.name() + "\" must be a DNS label:"
                            + " 1-63 lower-case alphanumerics or '-', starting and ending alphanumeric"));
        }
        JsonNode labels = manifest.body().path("metadata").path("labels");
        if (labels.isMissingNode() || labels.isNull()) {
            return;
        }
        if (!labels.isObject()) {
            errors.add(manifest.error("metadata.labels", "must be a map of strings"));
            return;
        }
        labels.properties().forEach(label -> {
            if (!label.getValue().isTextual()) {
                errors.add(manifest.error("metadata.labels." + label.getKey(), "must be a string (quote it)"));
            }
        });
    }

    @Override
    public ApplyResult dryRun(List<Manifest> manifests, List<ManifestError> errors) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Manifest manifest : manifests) {
            outcomes.add(outcome(manifest, planned(manifest)));
        }
        return new ApplyResult(outcomes, List.of());
    }

    @Override
    public ApplyResult apply(List<Manifest> manifests) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Manifest manifest : manifests) {
            String result = planned(manifest);
            if (!result.equals("unchanged")) {
                identity.get().put(path(manifest), Map.of("labels", labels(manifest)));
            }
            outcomes.add(outcome(manifest, result));
        }
        return new ApplyResult(outcomes, List.of());
    }

    @Override
    public Outcome delete(Manifest manifest) {
        identity.get().delete(path(manifest), Map.of());
        return outcome(manifest, "deleted");
    }

    private String planned(Manifest manifest) {
        JsonNode current;
        try {
            current = identity.get().get(path(manifest), Map.of());
        } catch (ServiceException e) {
            if (e.notFound()) {
                return "created";
            }
            throw e;
        }
        Map<String, String> existing = new TreeMap<>();
        current.path("labels")
                .properties()
                .forEach(label -> existing.put(label.getKey(), label.getValue().asText()));
        Map<String, String> wanted = new TreeMap<>(labels(manifest));
        wanted.put(METADATA_NAME_LABEL, manifest.name());
        return existing.equals(wanted) ? "unchanged" : "configured";
    }

    private static Map<String, String> labels(Manifest manifest) {
        Map<String, String> labels = new TreeMap<>();
        manifest.body()
                .path("metadata")
                .path("labels")
                .properties()
                .forEach(label -> labels.put(label.getKey(), label.getValue().asText()));
        return labels;
    }

    private static String path(Manifest manifest) {
        return "/v1/namespaces/" + ServiceClient.segment(manifest.name());
    }

    private static Outcome outcome(Manifest manifest, String result) {
        return new Outcome(NAMESPACE.kind(), null, manifest.name(), result, null, NAMESPACE.resource());
    }
}
