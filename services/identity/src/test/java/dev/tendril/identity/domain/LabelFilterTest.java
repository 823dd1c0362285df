package dev.tendril.identity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.k8s.labels.Labels;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelFilterTest {

    @ParameterizedTest(name = "{0} relevant={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "k8s:app=frontend                                                     | true",
                "k8s:app.kubernetes.io/name=web                                       | true",
                "k8s:app.kubernetes.io/part-of=shop                                   | true",
                "k8s:io.kubernetes.pod.namespace=demo                                 | true",
                "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=demo  | true",
                "k8s:io.cilium.k8s.namespace.labels.team=a                            | true",
                "k8s:io.cilium.k8s.policy.serviceaccount=default                      | true",
                "k8s:io.cilium.k8s.policy.cluster=default                             | true",
                "reserved:host                                                        | true",
                "k8s:pod-template-hash=7d4b9c                                         | false",
                "k8s:pod-template-generation=3                                        | false",
                "k8s:controller-revision-hash=abc                                     | false",
                "k8s:controller-uid=0f3c                                              | false",
                "k8s:batch.kubernetes.io/controller-uid=0f3c                          | false",
                "k8s:batch.kubernetes.io/job-completion-index=4                       | false",
                "k8s:statefulset.kubernetes.io/pod-name=db-0                          | false",
                "k8s:apps.kubernetes.io/pod-index=0                                   | false",
                "k8s:kubernetes.io/hostname=node-1                                    | false",
                "k8s:beta.kubernetes.io/arch=amd64                                    | false",
                "k8s:node.beta.kubernetes.io/instance-type=m5                         | false",
                "k8s:io.kubernetes.container.name=web                                 | false",
                "k8s:k8s.io/cluster-service=true                                      | false",
                "k8s:annotation.foo=bar                                               | false",
                "k8s:etcd_node=e1                                                     | false",
            })
    void appliesCiliumDefaults(String label, boolean relevant) {
        assertThat(LabelFilter.defaults().isRelevant(LabelSyntax.parseLabel(label, "labels")))
                .isEqualTo(relevant);
    }

    @ParameterizedTest(name = "extra {0}: {1} relevant={2}")
    @CsvSource(
            delimiter = '|',
            value = {
                // any extra include turns the filter into an allow-list
                "k8s:team                           | k8s:team=payments                       | true",
                "k8s:team                           | k8s:app=frontend                        | false",
                "k8s:team                           | k8s:io.kubernetes.pod.namespace=demo    | true",
                "k8s:team                           | reserved:host                           | true",
                // an extra exclude keeps the default-allow behaviour
                "!k8s:version                       | k8s:version=1.2                         | false",
                "!k8s:version                       | k8s:app=frontend                        | true",
                "k8s:!version                       | k8s:version=1.2                         | false",
                // the longest include beats a shorter exclude...
                "k8s:io\\.kubernetes\\.custom        | k8s:io.kubernetes.custom.tier=gold      | true",
                "k8s:pod                            | k8s:pod-template-hash=1                 | false",
                // a source-limited pattern does not touch other sources
                "!container:app                     | k8s:app=frontend                        | true",
            })
    void appliesOperatorExtras(String extra, String label, boolean relevant) {
        assertThat(LabelFilter.withExtras(List.of(extra)).isRelevant(LabelSyntax.parseLabel(label, "labels")))
                .isEqualTo(relevant);
    }

    @Test
    void filtersALabelSetToItsIdentityRelevantPart() {
        Labels pod = LabelSyntax.parseLabels(
                List.of(
                        "k8s:app=web",
                        "k8s:pod-template-hash=abc",
                        "k8s:controller-uid=x",
                        "k8s:app.kubernetes.io/name=web"),
                "labels");
        assertThat(LabelFilter.defaults().filter(pod).strings())
                .containsExactly("k8s:app=web", "k8s:app.kubernetes.io/name=web");
    }

    @Test
    void refusesMalformedPatterns() {
        assertThatThrownBy(() -> LabelFilter.withExtras(List.of("k8s:(unclosed")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LabelFilter.withExtras(List.of("!"))).isInstanceOf(IllegalArgumentException.class);
    }
}
