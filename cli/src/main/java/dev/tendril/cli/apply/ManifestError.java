package dev.tendril.cli.apply;

/**
 * Why a manifest cannot be applied, located as precisely as known.
 *
 * @param source   the file, or null when the problem is not about one file
 * @param document the document in the file from 1, or 0 when the problem is about the whole file
 * @param field    the field path ({@code spec.podSelector}), or null
 */
public record ManifestError(String source, int document, String field, String reason) {

    /** {@code deploy/x.yaml: document 2: spec.podSelector: required}. */
    public String message() {
        StringBuilder line = new StringBuilder();
        if (source != null) {
            line.append(source).append(": ");
        }
        if (document > 0) {
            line.append("document ").append(document).append(": ");
        }
        if (field != null && !field.isBlank()) {
            line.append(field).append(": ");
        }
        return line.append(reason).toString();
    }
}
