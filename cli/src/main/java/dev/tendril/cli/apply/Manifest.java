package dev.tendril.cli.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One document of a manifest file.
 *
 * @param source   the file as the operator named it ({@code deploy/x.yaml}, {@code <stdin>})
 * @param document the document's position in its file, from 1
 * @param body     the document as read (the namespace default is filled in by validation)
 */
public record Manifest(String source, int document, ObjectNode body) {

    public String kind() {
        return text(body.path("kind"));
    }

    public String apiVersion() {
        return text(body.path("apiVersion"));
    }

    public String name() {
        return text(body.path("metadata").path("name"));
    }

    /** {@code metadata.namespace}, or null for a cluster-scoped object or one that names none. */
    public String namespace() {
        return text(body.path("metadata").path("namespace"));
    }

    /** A problem with {@code field} of this document. */
    public ManifestError error(String field, String reason) {
        return new ManifestError(source, document, field, reason);
    }

    private static String text(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
    }
}
