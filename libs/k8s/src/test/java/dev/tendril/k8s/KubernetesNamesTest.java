package dev.tendril.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Table-driven: what Kubernetes' API server accepts and refuses as label keys, values and names. */
class KubernetesNamesTest {

    private record Case(String name, String input, boolean valid) {}

    @TestFactory
    Stream<DynamicTest> labelKeys() {
        return Stream.of(
                        new Case("plain name", "app", true),
                        new Case("prefixed", "app.kubernetes.io/name", true),
                        new Case("dots, dashes and underscores inside", "a-b_c.d", true),
                        new Case("63-character name", "a".repeat(63), true),
                        new Case("64-character name", "a".repeat(64), false),
                        new Case("prefix segment of 63", "a".repeat(63) + ".io/x", true),
                        new Case("prefix segment of 64", "a".repeat(64) + ".io/x", false),
                        new Case("prefix over 253", ("a".repeat(60) + ".").repeat(5) + "io/x", false),
                        new Case("upper-case prefix", "Example.com/x", false),
                        new Case("empty prefix", "/x", false),
                        new Case("empty name", "example.com/", false),
                        new Case("two slashes", "a/b/c", false),
                        new Case("space", "bad key", false),
                        new Case("starts with dash", "-app", false),
                        new Case("ends with dot", "app.", false),
                        new Case("empty", "", false),
                        new Case("null", null, false))
                .map(c -> DynamicTest.dynamicTest(
                        c.name(),
                        () -> assertThat(KubernetesNames.labelKeyProblem(c.input())
                                        .isEmpty())
                                .isEqualTo(c.valid())));
    }

    @TestFactory
    Stream<DynamicTest> labelValues() {
        return Stream.of(
                        new Case("empty", "", true),
                        new Case("plain", "web", true),
                        new Case("63 characters", "v".repeat(63), true),
                        new Case("64 characters", "v".repeat(64), false),
                        new Case("slash", "a/b", false),
                        new Case("ends with dash", "web-", false),
                        new Case("newline", "a\nb", false),
                        new Case("null", null, false))
                .map(c -> DynamicTest.dynamicTest(
                        c.name(),
                        () -> assertThat(KubernetesNames.labelValueProblem(c.input())
                                        .isEmpty())
                                .isEqualTo(c.valid())));
    }

    @TestFactory
    Stream<DynamicTest> dnsNames() {
        return Stream.of(
                        new Case("label: plain", "demo", true),
                        new Case("label: upper case", "Demo", false),
                        new Case("label: dot", "a.b", false),
                        new Case("label: 64 characters", "a".repeat(64), false),
                        new Case("subdomain: dotted", "web-1.demo", true),
                        new Case("subdomain: segment of 64", "a".repeat(64) + ".b", false),
                        new Case("subdomain: empty", "", false))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    boolean valid = c.name().startsWith("label")
                            ? KubernetesNames.isDnsLabel(c.input())
                            : KubernetesNames.isDnsSubdomain(c.input());
                    assertThat(valid).isEqualTo(c.valid());
                }));
    }

    @TestFactory
    Stream<DynamicTest> quoting() {
        return Stream.of(
                DynamicTest.dynamicTest(
                        "escapes control characters",
                        () -> assertThat(KubernetesNames.quote("a\u0000b\n")).isEqualTo("'a\\u0000b\\u000a'")),
                DynamicTest.dynamicTest(
                        "cuts long text and says how long it was",
                        () -> assertThat(KubernetesNames.quote("x".repeat(100)))
                                .isEqualTo("'" + "x".repeat(64) + "' (100 characters)")),
                DynamicTest.dynamicTest(
                        "null", () -> assertThat(KubernetesNames.quote(null)).isEqualTo("null")));
    }
}
