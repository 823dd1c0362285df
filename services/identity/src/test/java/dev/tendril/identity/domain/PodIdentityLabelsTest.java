package dev.tendril.identity.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.k8s.labels.Labels;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodIdentityLabelsTest {

    @Test
    void buildsThePodIdentityLabelsAsCiliumDoes() {
        Namespace namespace = Namespace.of("shop", Map.of("team", "payments"));
        Labels labels = PodIdentityLabels.of(
                namespace.name(),
                namespace.labels(),
                Map.of("app", "cart", "pod-template-hash", "5f7d", "io.cilium.k8s.policy.cluster", "spoofed"),
                "cart-sa",
                "prod-eu",
                LabelFilter.defaults());

        assertThat(labels.strings())
                .containsExactly(
                        "k8s:app=cart",
                        "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=shop",
                        "k8s:io.cilium.k8s.namespace.labels.team=payments",
                        "k8s:io.cilium.k8s.policy.cluster=prod-eu",
                        "k8s:io.cilium.k8s.policy.serviceaccount=cart-sa",
                        "k8s:io.kubernetes.pod.namespace=shop");
    }

    @Test
    void omitsTheServiceAccountWhenThereIsNone() {
        Labels labels = PodIdentityLabels.of("demo", Map.of(), Map.of("app", "x"), "", "c1", LabelFilter.defaults());
        assertThat(labels.strings()).noneMatch(l -> l.contains("serviceaccount"));
    }
}
