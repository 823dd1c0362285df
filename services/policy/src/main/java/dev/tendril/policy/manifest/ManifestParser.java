package dev.tendril.policy.manifest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tendril.k8s.KubernetesNames;
import dev.tendril.policy.domain.CiliumNetworkPolicy;
import dev.tendril.policy.domain.NetworkPolicy;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyRef;
import dev.tendril.policy.domain.PolicyValidationException;
import dev.tendril.policy.domain.ValidationError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses NetworkPolicy ({@code networking.k8s.io/v1}) and CiliumNetworkPolicy ({@code cilium.io/v2})
 * manifests: YAML (documents separated by {@code ---}) or JSON (one value, several concatenated, an
 * array, or a {@code kind: List}). Every document is validated; any error rejects the whole input with
 * every error found, each naming the document index, the field path and the reason.
 *
 * <p>Validation follows the API servers where Tendril models the field (label keys and values, selector
 * operators, ports, protocols, endPort, CIDRs and their exceptions, peer shape, policyTypes, metadata
 * names) and rejects unknown fields, as strict server-side field validation does. Cilium features Tendril
 * does not enforce (toFQDNs, toServices, fromRequires, ICMP rules, node selectors, {@code specs}) are
 * rejected by name rather than silently ignored; L7 {@code rules} are accepted and marked.
 */
public final class ManifestParser {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final JsonMapper JSON = new JsonMapper();

    private ManifestParser() {}

    /**
     * The policies of {@code text}, in document order.
     *
     * @throws PolicyValidationException if any document is malformed or invalid
     */
    public static List<Policy> parse(String text) {
        List<ValidationError> errors = new ArrayList<>();
        List<JsonNode> docs = documents(text == null ? "" : text, errors);
        List<Policy> out = new ArrayList<>();
        Map<PolicyRef, Integer> seen = new HashMap<>();
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            if (doc == null || doc.isNull() || doc.isMissingNode()) {
                continue;
            }
            FieldParser f = new FieldParser(i, errors);
            int before = errors.size();
            Policy p = policy(doc, f);
            if (p != null && errors.size() == before) {
                Integer earlier = seen.putIfAbsent(p.ref(), i);
                if (earlier != null) {
                    f.error("metadata.name", "duplicate of document " + earlier + " (" + p.ref() + ")");
                } else {
                    out.add(p);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new PolicyValidationException(errors);
        }
        return List.copyOf(out);
    }

    /**
     * The documents of {@code text} as the parser sees them: YAML documents, or JSON values (several
     * concatenated, an array, or a {@code kind: List}); empty documents are null or missing nodes. JSON
     * documents separated by {@code ---} are YAML and read as such.
     *
     * @throws PolicyValidationException if the text is neither
     */
    public static List<JsonNode> documents(String text) {
        List<ValidationError> errors = new ArrayList<>();
        List<JsonNode> docs = documents(text == null ? "" : text, errors);
        if (!errors.isEmpty()) {
            throw new PolicyValidationException(errors);
        }
        return docs;
    }

    private static List<JsonNode> documents(String text, List<ValidationError> errors) {
        String trimmed = text.strip();
        boolean json = trimmed.startsWith("{") || trimmed.startsWith("[");
        List<ValidationError> problems = new ArrayList<>();
        List<JsonNode> out = read(text, json, problems);
        if (json && !problems.isEmpty()) {
            List<ValidationError> yamlProblems = new ArrayList<>();
            List<JsonNode> asYaml = read(text, false, yamlProblems);
            if (yamlProblems.isEmpty()) {
                return asYaml;
            }
        }
        errors.addAll(problems);
        return out;
    }

    private static List<JsonNode> read(String text, boolean json, List<ValidationError> errors) {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it =
                (json ? JSON.readerFor(JsonNode.class) : YAML.readerFor(JsonNode.class)).readValues(text)) {
            while (it.hasNextValue()) {
                JsonNode n = it.nextValue();
                if (n != null && n.isArray()) {
                    n.forEach(out::add);
                } else if (n != null
                        && n.isObject()
                        && "List".equals(n.path("kind").asText())
                        && n.has("items")) {
                    n.get("items").forEach(out::add);
                } else {
                    out.add(n);
                }
            }
        } catch (JacksonException e) {
            errors.add(new ValidationError(
                    out.size(), "", "malformed " + (json ? "JSON" : "YAML") + ": " + e.getOriginalMessage()));
        } catch (java.io.IOException e) {
            errors.add(new ValidationError(out.size(), "", "unreadable input: " + e.getMessage()));
        }
        return out;
    }

    /** The policy of one document, of either kind; null when it has errors. */
    private static Policy policy(JsonNode doc, FieldParser f) {
        if (!doc.isObject()) {
            f.error("", "must be an object with apiVersion and kind");
            return null;
        }
        String apiVersion = doc.path("apiVersion").asText("");
        String kind = doc.path("kind").asText("");
        f.fields(doc, "", Set.of("apiVersion", "kind", "metadata", "spec", "status"), Set.of("specs"));
        String[] meta = metadata(doc.path("metadata"), f);
        if (kind.equals(NetworkPolicy.KIND)) {
            if (!apiVersion.equals("networking.k8s.io/v1")) {
                f.error("apiVersion", "NetworkPolicy must be networking.k8s.io/v1, got '" + apiVersion + "'");
            }
            return new NetworkPolicyParser(f).parse(meta, doc.path("spec"));
        }
        if (kind.equals(CiliumNetworkPolicy.KIND)) {
            if (!apiVersion.equals("cilium.io/v2")) {
                f.error("apiVersion", "CiliumNetworkPolicy must be cilium.io/v2, got '" + apiVersion + "'");
            }
            return new CiliumPolicyParser(f).parse(meta, doc.path("spec"));
        }
        f.error("kind", "must be NetworkPolicy or CiliumNetworkPolicy, got '" + kind + "'");
        return null;
    }

    /** [namespace, name]. */
    private static String[] metadata(JsonNode meta, FieldParser f) {
        if (!meta.isObject()) {
            f.error("metadata", "required");
            return new String[] {"default", ""};
        }
        String name = meta.path("name").asText("");
        if (name.isEmpty()) {
            f.error("metadata.name", "required");
        } else if (!KubernetesNames.isDnsSubdomain(name)) {
            f.error(
                    "metadata.name",
                    "'" + name + "' must be a DNS-1123 subdomain (lower-case alphanumerics, '-', '.')");
        }
        String namespace = meta.path("namespace").asText("default");
        if (!KubernetesNames.isDnsLabel(namespace)) {
            f.error("metadata.namespace", "'" + namespace + "' must be a DNS-1123 label");
        }
        return new String[] {namespace, name};
    }
}
