package dev.tendril.cli.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tendril.cli.agent.Agents;
import dev.tendril.cli.api.ServiceClient;
import dev.tendril.cli.api.ServiceException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The kinds {@code apply} and {@code delete} take, each with its handler, and the checks every document gets
 * whatever its kind. Handlers are listed in apply order (namespaces before what lives in them); delete goes
 * the other way.
 */
public final class ManifestKinds {

    /** The namespace of documents that name none and come without {@code -n}, as in kubectl's default context. */
    public static final String DEFAULT_NAMESPACE = "default";

    private final List<ManifestKindHandler> handlers;

    public ManifestKinds(List<ManifestKindHandler> handlers) {
        this.handlers = List.copyOf(handlers);
    }

    /** Every supported kind; {@code services} gives the client of a stack component when a handler first needs it. */
    public static ManifestKinds all(Function<String, ServiceClient> services) {
        return all(services, () -> {
            throw new IllegalStateException("no agents given");
        });
    }

    /**
     * Every supported kind: namespaces, then policies, then pods, so that a pod starts under the policies of
     * the same apply, then Services and EndpointSlices, so that a selector Service's first maps already hold
     * the pods of the same apply (and delete removes a Service before its pods). {@code agents} gives the
     * stack's agents when the pod handler first needs them.
     */
    public static ManifestKinds all(Function<String, ServiceClient> services, Supplier<Agents> agents) {
        return new ManifestKinds(List.of(
                new NamespaceHandler(() -> services.apply("identity")),
                new PolicyHandler(() -> services.apply("policy")),
                new PodHandler(agents, () -> services.apply("identity")),
                new ServiceHandler(() -> services.apply("policy"))));
    }

    /** Handlers in apply order. */
    public List<ManifestKindHandler> handlers() {
        return handlers;
    }

    /**
     * Checks every document and groups the valid ones by handler, in apply order. A namespaced document that
     * names no namespace gets {@code namespace} (or {@value #DEFAULT_NAMESPACE}).
     *
     * @param namespace the {@code -n} option, or null
     */
    public Map<ManifestKindHandler, List<Manifest>> check(
            List<Manifest> manifests, String namespace, List<ManifestError> errors) {
        return check(manifests, namespace, errors, true);
    }

    /**
     * Checks documents to delete the objects they name: as {@code kubectl delete -f}, only what identifies the
     * object counts ({@code apiVersion}, {@code kind}, {@code metadata.name} and the namespace); the handlers'
     * checks of the rest (a policy's {@code spec}, a pod's containers) are skipped.
     */
    public Map<ManifestKindHandler, List<Manifest>> checkForDelete(
            List<Manifest> manifests, String namespace, List<ManifestError> errors) {
        return check(manifests, namespace, errors, false);
    }

    private Map<ManifestKindHandler, List<Manifest>> check(
            List<Manifest> manifests, String namespace, List<ManifestError> errors, boolean whole) {
        Map<ManifestKindHandler, List<Manifest>> grouped = new LinkedHashMap<>();
        handlers.forEach(handler -> grouped.put(handler, new ArrayList<>()));
        Map<String, Manifest> seen = new HashMap<>();
        for (Manifest manifest : manifests) {
            int before = errors.size();
            Optional<ManifestKindHandler> handler = checkKind(manifest, errors);
            JsonNode metadata = manifest.body().path("metadata");
            if (!metadata.isObject()) {
                errors.add(manifest.error("metadata", "required"));
            } else if (manifest.name() == null) {
                errors.add(manifest.error("metadata.name", "required"));
            }
            if (handler.isEmpty() || errors.size() > before) {
                continue;
            }
            ManifestKind kind = kindOf(handler.get(), manifest.kind());
            Manifest checked = kind.namespaced() ? withNamespace(manifest, namespace, errors) : manifest;
            if (checked == null) {
                continue;
            }
            if (whole) {
                handler.get().check(checked, errors);
            } else {
                handler.get().checkForDelete(checked, errors);
            }
            String key = kind.kind() + "/" + (kind.namespaced() ? checked.namespace() + "/" : "") + checked.name();
            Manifest earlier = seen.putIfAbsent(key, checked);
            if (earlier != null) {
                errors.add(checked.error(
                        "metadata.name",
                        kind.kind() + " " + key.substring(kind.kind().length() + 1) + " is also in " + earlier.source()
                                + " document " + earlier.document()));
            }
            grouped.get(handler.get()).add(checked);
        }
        return grouped;
    }

    /**
     * Applies manifests a command built in code (no files, no operator to show a dry run to): checked like
     * {@code apply -f}'s, then applied by the same handlers in apply order. A manifest that fails the checks is
     * a bug of the caller: {@link IllegalArgumentException}; a service's refusal is its
     * {@link ServiceException}.
     */
    public List<Outcome> apply(List<Manifest> manifests) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Map.Entry<ManifestKindHandler, List<Manifest>> kind :
                checked(manifests, true).entrySet()) {
            if (!kind.getValue().isEmpty()) {
                outcomes.addAll(kind.getKey().apply(kind.getValue()).outcomes());
            }
        }
        return outcomes;
    }

    /**
     * Deletes what manifests built in code name, in reverse apply order (pods, policies, namespaces), as
     * {@code delete -f --ignore-not-found} does: an object that is gone already is skipped, and a failure does not
     * stop the others; the first failure is thrown after all were tried.
     */
    public List<Outcome> delete(List<Manifest> manifests) {
        List<Map.Entry<ManifestKindHandler, List<Manifest>>> order =
                new ArrayList<>(checked(manifests, false).entrySet());
        Collections.reverse(order);
        List<Outcome> deleted = new ArrayList<>();
        ServiceException first = null;
        for (Map.Entry<ManifestKindHandler, List<Manifest>> kind : order) {
            for (Manifest manifest : kind.getValue()) {
                try {
                    deleted.add(kind.getKey().delete(manifest));
                } catch (ServiceException e) {
                    if (!e.notFound() && first == null) {
                        first = e;
                    }
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return deleted;
    }

    private Map<ManifestKindHandler, List<Manifest>> checked(List<Manifest> manifests, boolean whole) {
        List<ManifestError> errors = new ArrayList<>();
        Map<ManifestKindHandler, List<Manifest>> grouped = check(manifests, null, errors, whole);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(errors.getFirst().message());
        }
        return grouped;
    }

    private Optional<ManifestKindHandler> checkKind(Manifest manifest, List<ManifestError> errors) {
        if (manifest.apiVersion() == null) {
            errors.add(manifest.error("apiVersion", "required"));
        }
        String kind = manifest.kind();
        if (kind == null) {
            errors.add(manifest.error("kind", "required"));
            return Optional.empty();
        }
        for (ManifestKindHandler handler : handlers) {
            for (ManifestKind known : handler.kinds()) {
                if (known.kind().equals(kind)) {
                    if (manifest.apiVersion() != null && !known.apiVersion().equals(manifest.apiVersion())) {
                        errors.add(manifest.error(
                                "apiVersion", kind + " is " + known.apiVersion() + ", not " + manifest.apiVersion()));
                    }
                    return Optional.of(handler);
                }
            }
        }
        errors.add(manifest.error("kind", "unknown kind \"" + kind + "\" (supported: " + supported() + ")"));
        return Optional.empty();
    }

    private String supported() {
        return handlers.stream()
                .flatMap(h -> h.kinds().stream())
                .map(ManifestKind::kind)
                .collect(Collectors.joining(", "));
    }

    private static ManifestKind kindOf(ManifestKindHandler handler, String kind) {
        return handler.kinds().stream()
                .filter(k -> k.kind().equals(kind))
                .findFirst()
                .orElseThrow();
    }

    private static Manifest withNamespace(Manifest manifest, String namespace, List<ManifestError> errors) {
        JsonNode given = manifest.body().path("metadata").path("namespace");
        if (!given.isMissingNode() && !given.isNull() && !given.isTextual()) {
            errors.add(manifest.error("metadata.namespace", "must be a string"));
            return null;
        }
        String named = manifest.namespace();
        if (named != null) {
            if (namespace != null && !namespace.equals(named)) {
                errors.add(manifest.error(
                        "metadata.namespace", "\"" + named + "\" does not match --namespace \"" + namespace + "\""));
                return null;
            }
            return manifest;
        }
        ObjectNode body = manifest.body().deepCopy();
        ((ObjectNode) body.get("metadata")).put("namespace", namespace == null ? DEFAULT_NAMESPACE : namespace);
        return new Manifest(manifest.source(), manifest.document(), body);
    }
}
