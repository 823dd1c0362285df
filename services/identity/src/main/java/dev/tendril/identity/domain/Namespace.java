package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import java.util.Map;
import java.util.TreeMap;

/** A Kubernetes namespace: its name and labels (including {@code kubernetes.io/metadata.name}). */
public record Namespace(String name, Map<String, String> labels) {

    public static final String METADATA_NAME_LABEL = "kubernetes.io/metadata.name";

    public Namespace {
        labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
    }

    /** Validates the name and labels and adds {@code kubernetes.io/metadata.name} as Kubernetes does. */
    public static Namespace of(String name, Map<String, String> labels) {
        if (!LabelSyntax.isDnsLabel(name)) {
            throw CommandRejectedException.invalid("name", "namespace name '" + name
                    + "' must be a DNS label: 1-63 lower-case alphanumerics or '-', starting and ending alphanumeric");
        }
        Map<String, String> all = new TreeMap<>(labels == null ? Map.of() : labels);
        K8sLabels.validate(all, "labels");
        all.put(METADATA_NAME_LABEL, name);
        return new Namespace(name, all);
    }
}
