package dev.tendril.policy.domain;

import java.util.Objects;

/** One identity label as Cilium writes it, {@code source:key=value}; the value may be empty. */
public record Label(String source, String key, String value) implements Comparable<Label> {

    public static final String SOURCE_K8S = "k8s";
    public static final String SOURCE_RESERVED = "reserved";
    public static final String SOURCE_CIDR = "cidr";
    /** In a selector key only: matches a label of any source. */
    public static final String SOURCE_ANY = "any";

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
        return new Label(SOURCE_K8S, key, value);
    }

    public static Label reserved(String name) {
        return new Label(SOURCE_RESERVED, name, "");
    }

    /** {@code cidr:<prefix>}, the label of a CIDR identity. */
    public static Label cidr(Cidr prefix) {
        return new Label(SOURCE_CIDR, prefix.toString(), "");
    }

    /** Parses {@code source:key=value}, {@code source:key} or {@code key=value} (source {@code unspec}). */
    public static Label parse(String text) {
        String source = "unspec";
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
