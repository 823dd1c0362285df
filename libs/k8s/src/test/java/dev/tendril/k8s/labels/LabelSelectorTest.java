package dev.tendril.k8s.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Kubernetes selector operators over Cilium label sets, with source-qualified keys. */
class LabelSelectorTest {

    /** The labels Cilium gives a pod app=web,tier=fe in namespace x (labelled ns=x) of cluster default. */
    static final Labels POD = Labels.of(
            Label.k8s("app", "web"),
            Label.k8s("tier", "fe"),
            Label.k8s(Label.NAMESPACE_LABELS_PREFIX + "ns", "x"),
            Label.k8s(Label.NAMESPACE_KEY, "x"),
            Label.k8s(Label.CLUSTER_KEY, "default"));

    record Case(String name, LabelSelector.Requirement requirement, boolean matches) {
        @Override
        public String toString() {
            return name;
        }
    }

    static LabelSelector.Requirement req(String source, String key, LabelSelector.Operator op, String... values) {
        return new LabelSelector.Requirement(source, key, op, new TreeSet<>(List.of(values)));
    }

    static Stream<Case> cases() {
        var in = LabelSelector.Operator.IN;
        var notIn = LabelSelector.Operator.NOT_IN;
        var exists = LabelSelector.Operator.EXISTS;
        var dne = LabelSelector.Operator.DOES_NOT_EXIST;
        return Stream.of(
                new Case("In with the value", req("k8s", "app", in, "web", "db"), true),
                new Case("In without the value", req("k8s", "app", in, "db"), false),
                new Case("In on a missing key", req("k8s", "role", in, "db"), false),
                new Case("NotIn with the value", req("k8s", "app", notIn, "web"), false),
                new Case("NotIn on a missing key holds", req("k8s", "role", notIn, "db"), true),
                new Case("Exists", req("k8s", "tier", exists), true),
                new Case("Exists on a missing key", req("k8s", "role", exists), false),
                new Case("DoesNotExist on a missing key", req("k8s", "role", dne), true),
                new Case("DoesNotExist on a present key", req("k8s", "app", dne), false),
                new Case("source any matches a k8s label", req("any", "app", in, "web"), true),
                new Case("another source does not", req("container", "app", in, "web"), false),
                new Case(
                        "namespace label under its prefix",
                        req("k8s", "io.cilium.k8s.namespace.labels.ns", in, "x"),
                        true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void requirementMatches(Case c) {
        assertThat(new LabelSelector(List.of(c.requirement())).matches(POD)).isEqualTo(c.matches());
    }

    @Test
    void emptySelectorMatchesEverything() {
        assertThat(LabelSelector.ALL.matches(POD)).isTrue();
        assertThat(LabelSelector.ALL.matches(Labels.EMPTY)).isTrue();
    }

    @Test
    void refusesValuesWhereTheOperatorTakesNoneAndTheReverse() {
        assertThatThrownBy(() -> req("k8s", "app", LabelSelector.Operator.IN)).hasMessageContaining("needs values");
        assertThatThrownBy(() -> req("k8s", "app", LabelSelector.Operator.EXISTS, "x"))
                .hasMessageContaining("must have no values");
    }

    @Test
    void answersWhatTheSelectorNames() {
        LabelSelector s = new LabelSelector(List.of(
                LabelSelector.Requirement.equal("any", "app", "web"),
                LabelSelector.Requirement.exists("k8s", Label.NAMESPACE_LABELS_PREFIX + "team")));
        assertThat(s.hasKey("k8s", "app")).isTrue();
        assertThat(s.hasKey("container", "app")).isTrue();
        assertThat(s.hasKey("k8s", "tier")).isFalse();
        assertThat(s.hasKeyPrefix(Label.NAMESPACE_LABELS_PREFIX)).isTrue();
        assertThat(s.selectsReserved()).isFalse();
        assertThat(s.and(List.of(LabelSelector.Requirement.exists("reserved", "host")))
                        .selectsReserved())
                .isTrue();
        assertThat(s).hasToString("[any:app=web, k8s:io.cilium.k8s.namespace.labels.team]");
        assertThat(LabelSelector.ALL).hasToString("{}");
    }

    @Test
    void rewritesANamespaceSelectorOntoNamespaceLabels() {
        LabelSelector namespaces = new LabelSelector(List.of(LabelSelector.Requirement.equal("k8s", "ns", "x")));
        assertThat(namespaces.asNamespaceSelector().matches(POD)).isTrue();
        assertThat(namespaces.matches(POD)).isFalse();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "equality with a source         | k8s:app=web                 | true",
                "equality without one (any)     | app=web                     | true",
                "any: is any source             | any:app=web                 | true",
                "another source                 | container:app=web           | false",
                "double equals                  | app==web                    | true",
                "not equal                      | app!=web                    | false",
                "not equal on another value     | app!=db                     | true",
                "set-based in                   | app in (db, web)            | true",
                "set-based in, upper case       | app IN (db,web)             | true",
                "set-based notin                | app notin (db, cache)       | true",
                "exists                         | tier                        | true",
                "does not exist                 | !tier                       | false",
                "conjunction                    | app=web,tier=fe             | true",
                "conjunction, one fails         | app=web, tier=be            | false",
                "commas inside a set            | app in (web,db),tier        | true",
                "reserved                       | reserved:world              | false",
            })
    void parsesTheStringForm(String name, String text, boolean matches) {
        assertThat(LabelSelector.parse(text).matches(POD)).isEqualTo(matches);
    }

    @Test
    void parsesIntoTheSameRequirementsAsTheManifestForm() {
        assertThat(LabelSelector.parse("k8s:app=web, tier notin (be), !role"))
                .isEqualTo(new LabelSelector(List.of(
                        LabelSelector.Requirement.equal("k8s", "app", "web"),
                        req("any", "tier", LabelSelector.Operator.NOT_IN, "be"),
                        req("any", "role", LabelSelector.Operator.DOES_NOT_EXIST))));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "''                    | empty label selector",
                "' , '                 | empty label selector",
                "app in (a             | unbalanced '('",
                "app in a)             | unbalanced ')'",
                "app in a              | expected '(values)'",
                "app in ()             | needs values",
                "=web                  | invalid label selector",
                "k8s:=web              | invalid label selector",
                "my app=web            | invalid label selector",
                "!!app                 | invalid label selector",
            })
    void refusesMalformedSelectorsSayingWhy(String text, String reason) {
        assertThatThrownBy(() -> LabelSelector.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }
}
