package dev.tendril.policy.domain;

/**
 * One reason a manifest was rejected.
 *
 * @param document 0-based index of the document in the input
 * @param path the field, e.g. {@code spec.ingress[0].ports[1].port}
 */
public record ValidationError(int document, String path, String reason) {
    @Override
    public String toString() {
        return "document " + document + ": " + path + ": " + reason;
    }
}
