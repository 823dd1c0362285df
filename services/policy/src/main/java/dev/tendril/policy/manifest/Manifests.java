package dev.tendril.policy.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tendril.policy.domain.Manifest;
import dev.tendril.policy.domain.Policy;
import dev.tendril.policy.domain.PolicyDocument;
import dev.tendril.policy.domain.PolicyValidationException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Splits a request body into its documents, each with its {@link Manifest} (what the store keeps) and the
 * policy {@link ManifestParser} made of it, and reads stored manifests back into policies. The parser
 * validates; the split is the parser's own ({@link ManifestParser#documents}) so that the two line up.
 */
public final class Manifests {

    private static final JsonMapper JSON = new JsonMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> DOCUMENT = new TypeReference<>() {};

    private Manifests() {}

    /**
     * @throws PolicyValidationException if any document is invalid
     */
    public static List<PolicyDocument> parse(String text) {
        List<Policy> policies = ManifestParser.parse(text);
        List<JsonNode> docs = documents(text == null ? "" : text);
        List<PolicyDocument> out = new ArrayList<>();
        int p = 0;
        for (int i = 0; i < docs.size(); i++) {
            JsonNode doc = docs.get(i);
            if (doc == null || doc.isNull() || doc.isMissingNode()) {
                continue;
            }
            if (p >= policies.size()) {
                throw new IllegalStateException("document " + i + " has no policy");
            }
            out.add(new PolicyDocument(manifest(doc), policies.get(p++)));
        }
        return out;
    }

    /** The policy a stored manifest describes. */
    public static Policy policy(Manifest manifest) {
        String json;
        try {
            json = JSON.writeValueAsString(manifest.document());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the manifest: " + e.getMessage(), e);
        }
        List<Policy> parsed = ManifestParser.parse(json);
        if (parsed.size() != 1) {
            throw new IllegalArgumentException("a stored manifest must hold one policy, got " + parsed.size());
        }
        return parsed.get(0);
    }

    /** A validated document (an object) as a manifest. */
    static Manifest manifest(JsonNode document) {
        return new Manifest(JSON.convertValue(document, DOCUMENT));
    }

    private static List<JsonNode> documents(String text) {
        try {
            return ManifestParser.documents(text);
        } catch (PolicyValidationException e) {
            throw new IllegalStateException("the parser accepted what the splitter cannot read: " + e.getMessage(), e);
        }
    }
}
