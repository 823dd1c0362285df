package dev.tendril.identity.domain;

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
        Names.namespace("name", name);
        Map<String, String> all = new TreeMap<>(K8sLabels.validate(labels, "labels"));
        all.put(METADATA_NAME_LABEL, name);
        return new Namespace(name, all);
    }
}
