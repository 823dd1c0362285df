package dev.tendril.policy.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Kubernetes selector operators over Cilium label sets, with source-qualified keys. */
class LabelSelectorTest {

    static final Identity POD = Identity.pod(1001, "x", Map.of("ns", "x"), Map.of("app", "web", "tier", "fe"), "default");

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
                new Case("namespace label under its prefix",
                        req("k8s", "io.cilium.k8s.namespace.labels.ns", in, "x"), true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void requirementMatches(Case c) {
        assertThat(new LabelSelector(List.of(c.requirement())).matches(POD)).isEqualTo(c.matches());
    }

    @Test
    void emptySelectorMatchesEverything() {
        assertThat(LabelSelector.ALL.matches(POD)).isTrue();
    }
}
