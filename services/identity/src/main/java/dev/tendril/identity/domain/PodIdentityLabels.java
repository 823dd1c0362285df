package dev.tendril.identity.domain;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.Labels;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds the labels a pod's identity is derived from, as Cilium's Kubernetes watcher does. */
public final class PodIdentityLabels {

    public static final String NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
    public static final String NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels.";
    public static final String SERVICE_ACCOUNT_LABEL = "io.cilium.k8s.policy.serviceaccount";
    public static final String CLUSTER_LABEL = "io.cilium.k8s.policy.cluster";
    public static final String CILIUM_PREFIX = "io.cilium.k8s";

    private PodIdentityLabels() {}

    /**
     * Pod labels (without keys starting {@code io.cilium.k8s}, which only Cilium may set), namespace labels
     * under {@code io.cilium.k8s.namespace.labels.}, the namespace, the service account (when set) and the
     * cluster name, all of source k8s; then the identity-relevant filter.
     */
    public static Labels of(
            String namespace,
            Map<String, String> namespaceLabels,
            Map<String, String> podLabels,
            String serviceAccount,
            String clusterName,
            LabelFilter filter) {
        List<Label> labels = new ArrayList<>();
        podLabels.forEach((key, value) -> {
            if (!key.startsWith(CILIUM_PREFIX)) {
                labels.add(Label.k8s(key, value));
            }
        });
        namespaceLabels.forEach((key, value) -> labels.add(Label.k8s(NAMESPACE_LABELS_PREFIX + key, value)));
        labels.add(Label.k8s(NAMESPACE_LABEL, namespace));
        if (serviceAccount != null && !serviceAccount.isEmpty()) {
            labels.add(Label.k8s(SERVICE_ACCOUNT_LABEL, serviceAccount));
        }
        labels.add(Label.k8s(CLUSTER_LABEL, clusterName));
        try {
            return filter.filter(Labels.of(labels));
        } catch (IllegalArgumentException duplicate) {
            throw CommandRejectedException.invalid("labels", duplicate.getMessage());
        }
    }
}
