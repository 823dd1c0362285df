package dev.tendril.cli.apply;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A service's REST collection that takes manifests ({@code PUT /v1/policies}, {@code PUT /v1/services}): all the
 * documents of its kinds in one request as multi-document YAML, so the service validates and commits them together;
 * the dry run is the same request with {@code dryRun=true}, and its rejection is put back on the operator's files
 * and documents. Deleting is one {@code DELETE} of the object's path.
 */
final class ManifestCollection {

    static final String CONTENT_TYPE = "application/yaml";

    private static final ObjectMapper YAML = new YAMLMapper();

    private final String service;
    private final Supplier<ServiceClient> client;
    private final String path;
    private final Set<Integer> rejections;

    /**
     * @param service the service's name, on errors that name no document ({@code policy service})
     * @param rejections the problem statuses that reject the documents themselves (anything else is the service
     *     failing, and is thrown)
     */
    ManifestCollection(String service, Supplier<ServiceClient> client, String path, Set<Integer> rejections) {
        this.service = service;
        this.client = client;
        this.path = path;
        this.rejections = Set.copyOf(rejections);
    }

    /** The service's answer to the documents, applied. */
    JsonNode apply(List<Manifest> manifests) {
        return put(manifests, false);
    }

    /** The service's answer to the documents as a dry run; empty, with the reasons in {@code errors}, if rejected. */
    Optional<JsonNode> dryRun(List<Manifest> manifests, List<ManifestError> errors) {
        try {
            return Optional.of(put(manifests, true));
        } catch (ServiceException e) {
            if (!rejections.contains(e.status()) || e.problem() == null) {
                throw e;
            }
            rejected(manifests, e, errors);
            return Optional.empty();
        }
    }

    /** Deletes the object at {@code objectPath}: the outcome, with the service's revision when it sends one. */
    Outcome delete(String objectPath, ManifestKind kind, Manifest manifest) {
        JsonNode answer = client.get().delete(objectPath, Map.of());
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

    private JsonNode put(List<Manifest> manifests, boolean dryRun) {
        return client.get().put(path, dryRun ? Map.of("dryRun", "true") : Map.of(), body(manifests), CONTENT_TYPE);
    }

    /**
     * The service's rejection on the file and document it came from: each of the problem's {@code errors[]}
     * ({@code document}, {@code field}, {@code reason}), else its top-level {@code field} and {@code detail}
     * (on the document whose {@code namespace}/{@code name} it names, when it names one).
     */
    private void rejected(List<Manifest> manifests, ServiceException e, List<ManifestError> errors) {
        JsonNode problem = e.problem();
        int before = errors.size();
        for (JsonNode error : problem.path("errors")) {
            int document = error.path("document").asInt(0);
            String field = error.hasNonNull("field") ? error.get("field").asText() : null;
            String reason = error.path("reason").asText("invalid");
            if (document >= 1 && document <= manifests.size()) {
                errors.add(manifests.get(document - 1).error(field, reason));
            } else {
                errors.add(new ManifestError(service, 0, field, reason));
            }
        }
        if (errors.size() == before) {
            String field = problem.hasNonNull("field") ? problem.get("field").asText() : null;
            String reason = problem.path("detail").asText(e.getMessage());
            Manifest named = named(manifests, problem);
            errors.add(named != null ? named.error(field, reason) : new ManifestError(service, 0, field, reason));
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
