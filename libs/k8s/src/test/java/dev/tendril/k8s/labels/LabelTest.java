package dev.tendril.k8s.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelTest {

    @ParameterizedTest(name = "{0} -> {1}:{2}={3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "k8s:app=frontend                              | k8s      | app                          | frontend",
                "app=frontend                                  | unspec   | app                          | frontend",
                "reserved:host                                 | reserved | host                         | ''",
                "reserved:world                                | reserved | world                        | ''",
                "k8s:app.kubernetes.io/name=web                | k8s      | app.kubernetes.io/name       | web",
                "k8s:flag=                                     | k8s      | flag                         | ''",
                "cidr:10.0.0.0/8                               | cidr     | 10.0.0.0/8                   | ''",
                "cidr:2001-db8--0/32                           | cidr     | 2001-db8--0/32               | ''",
                "container:tier=db                             | container| tier                         | db",
                "k8s:a:b=c                                     | k8s      | a:b                          | c",
                "app=x:y                                       | unspec   | app                          | x:y",
                "bogus:-App=has space                          | bogus    | -App                         | has space",
            })
    void splitsSourceKeyAndValueWithoutJudgingThem(String text, String source, String key, String value) {
        assertThat(Label.parse(text)).isEqualTo(new Label(source, key, value));
    }

    @Test
    void printsTheValueOnlyWhenThereIsOne() {
        assertThat(Label.k8s("app", "web")).hasToString("k8s:app=web");
        assertThat(Label.reserved("world")).hasToString("reserved:world");
        assertThat(new Label("k8s", "flag", null))
                .isEqualTo(Label.k8s("flag", ""))
                .hasToString("k8s:flag");
        assertThat(Label.parse("cidr:---/0")).isEqualTo(new Label("cidr", "---/0", ""));
        assertThat(Label.parse("k8s:" + "k".repeat(80) + "=v")).isEqualTo(Label.k8s("k".repeat(80), "v"));
    }

    @Test
    void ordersByKeyThenSourceThenValue() {
        List<Label> sorted = List.of(
                        Label.parse("k8s:zone=a"),
                        Label.parse("reserved:host"),
                        Label.parse("container:app=x"),
                        Label.parse("k8s:app=web"))
                .stream()
                .sorted()
                .toList();
        assertThat(sorted)
                .extracting(Label::toString)
                .containsExactly("container:app=x", "k8s:app=web", "reserved:host", "k8s:zone=a");
    }

    @Test
    void identityKeyIsSortedByKeyWithEverySourceKeyAndValue() {
        Labels labels = Labels.of(
                List.of("k8s:zone=a", "k8s:app=web", "reserved:host", "k8s:io.kubernetes.pod.namespace=demo").stream()
                        .map(Label::parse)
                        .toList());
        assertThat(labels.identityKey())
                .isEqualTo("k8s:app=web;reserved:host=;k8s:io.kubernetes.pod.namespace=demo;k8s:zone=a;");
        assertThat(labels.strings())
                .containsExactly("k8s:app=web", "reserved:host", "k8s:io.kubernetes.pod.namespace=demo", "k8s:zone=a");
        assertThat(Labels.of(Label.k8s("app", "web"), Label.k8s("zone", "a")))
                .isEqualTo(Labels.of(Label.k8s("zone", "a"), Label.k8s("app", "web")));
    }

    @Test
    void refusesTwoLabelsWithOneKey() {
        assertThatThrownBy(() -> Labels.of(Label.parse("k8s:app=a"), Label.parse("unspec:app=b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'app' appears twice");
    }

    @Test
    void looksUpByKeyAndSourceWithAnyForEverySource() {
        Labels labels = Labels.of(Label.k8s("app", "web"), Label.reserved("host"));
        assertThat(labels.label(LabelSource.K8S, "app")).contains(Label.k8s("app", "web"));
        assertThat(labels.label(LabelSource.ANY, "app")).contains(Label.k8s("app", "web"));
        assertThat(labels.label(LabelSource.CONTAINER, "app")).isEmpty();
        assertThat(labels.label(LabelSource.ANY, "tier")).isEmpty();
        assertThat(LabelLookup.find(
                        List.of(new Label("container", "app", "a"), Label.k8s("app", "b")), LabelSource.ANY, "app"))
                .contains(new Label("container", "app", "a"));
        assertThat(Labels.EMPTY.isEmpty()).isTrue();
        assertThat(labels.containsAll(Labels.of(Label.reserved("host")))).isTrue();
        assertThat(labels.containsAll(Labels.of(Label.reserved("world")))).isFalse();
        assertThat(labels.size()).isEqualTo(2);
    }
}
