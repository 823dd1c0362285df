package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.Objects;

/** One label as Cilium writes it, {@code source:key=value}; the value may be empty. */
public record Label(String source, String key, String value) implements Comparable<Label> {

    public Label {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(key, "key");
        value = value == null ? "" : value;
    }

    public static Label k8s(String key, String value) {
        return new Label(LabelSource.K8S, key, value);
    }

    /**
     * Parses {@code source:key=value}, {@code source:key} or {@code key=value} (source {@code unspec}) and
     * validates it; a bad label is rejected as invalid input named {@code field}. A {@code cidr:} key comes
     * back in its one canonical spelling ({@link LabelSyntax#canonicalCidrKey}).
     */
    public static Label parse(String text, String field) {
        if (text == null) {
            throw CommandRejectedException.invalid(field, "label must not be null");
        }
        if (text.isBlank()) {
            throw CommandRejectedException.invalid(field, "label must not be empty");
        }
        Label label = split(text);
        LabelSyntax.validate(label, field);
        if (label.source().equals(LabelSource.CIDR)) {
            return new Label(label.source(), LabelSyntax.canonicalCidrKey(label.key()), label.value());
        }
        return label;
    }

    /**
     * Reads back a label this service stored, without validation: stored labels were checked when they
     * were accepted (derived pod labels such as {@code io.cilium.k8s.namespace.labels.<key>} may exceed
     * Kubernetes' key limits, and labels stored before a rule was tightened must still be readable).
     */
    public static Label parseStored(String text) {
        return split(text);
    }

    private static Label split(String text) {
        String source = LabelSource.UNSPEC;
        String rest = text;
        int colon = text.indexOf(':');
        int equals = text.indexOf('=');
        if (colon >= 0 && (equals < 0 || colon < equals)) {
            source = text.substring(0, colon);
            rest = text.substring(colon + 1);
        }
        int eq = rest.indexOf('=');
        String key = eq < 0 ? rest : rest.substring(0, eq);
        String value = eq < 0 ? "" : rest.substring(eq + 1);
        return new Label(source, key, value);
    }

    /** Ordered by key (Cilium's identity key order), then source and value for a total order. */
    @Override
    public int compareTo(Label other) {
        int byKey = key.compareTo(other.key);
        if (byKey != 0) {
            return byKey;
        }
        int bySource = source.compareTo(other.source);
        return bySource != 0 ? bySource : value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return source + ":" + key + (value.isEmpty() ? "" : "=" + value);
    }
}
