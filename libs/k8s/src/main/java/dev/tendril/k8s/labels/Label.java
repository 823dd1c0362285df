package dev.tendril.k8s.labels;

import java.util.Objects;

/**
 * One label as Cilium writes it, {@code source:key=value}; the value may be empty. Nothing here checks a
 * key or value against Kubernetes' syntax or a source against the known ones: the service that accepts a
 * label from a client does that ({@link dev.tendril.k8s.KubernetesNames} has the rules).
 */
public record Label(String source, String key, String value) implements Comparable<Label> {

    /** {@code k8s:io.kubernetes.pod.namespace=<ns>}: the namespace of a pod. */
    public static final String NAMESPACE_KEY = "io.kubernetes.pod.namespace";
    /** Namespace labels appear on a pod's identity under this prefix. */
    public static final String NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels.";
    /** {@code k8s:io.cilium.k8s.policy.cluster=<name>}: the cluster a pod belongs to. */
    public static final String CLUSTER_KEY = "io.cilium.k8s.policy.cluster";

    public Label {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(key, "key");
        value = value == null ? "" : value;
    }

    public static Label k8s(String key, String value) {
        return new Label(LabelSource.K8S, key, value);
    }

    /** {@code reserved:<name>}, the label of a reserved identity such as {@code world} or {@code host}. */
    public static Label reserved(String name) {
        return new Label(LabelSource.RESERVED, name, "");
    }

    /**
     * Splits {@code source:key=value}, {@code source:key} or {@code key=value} (source {@code unspec}); a
     * colon after the first {@code =} belongs to the value.
     */
    public static Label parse(String text) {
        String source = LabelSource.UNSPEC;
        String rest = text;
        int colon = text.indexOf(':');
        int equals = text.indexOf('=');
        if (colon >= 0 && (equals < 0 || colon < equals)) {
            source = text.substring(0, colon);
            rest = text.substring(colon + 1);
        }
        int eq = rest.indexOf('=');
        return new Label(source, eq < 0 ? rest : rest.substring(0, eq), eq < 0 ? "" : rest.substring(eq + 1));
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
