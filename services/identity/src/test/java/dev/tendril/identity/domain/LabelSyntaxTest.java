package dev.tendril.identity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.k8s.labels.Label;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the identity service accepts as a label from a client, and how it refuses the rest. */
class LabelSyntaxTest {

    @ParameterizedTest(name = "{0} -> {1}:{2}={3}")
    @CsvSource(
            delimiter = '|',
            nullValues = "NULL",
            value = {
                "k8s:app=frontend                              | k8s      | app                          | frontend",
                "app=frontend                                  | unspec   | app                          | frontend",
                "reserved:host                                 | reserved | host                         | ''",
                "k8s:app.kubernetes.io/name=web                | k8s      | app.kubernetes.io/name       | web",
                "k8s:flag=                                     | k8s      | flag                         | ''",
                "cidr:10.0.0.0/8                               | cidr     | 10.0.0.0/8                   | ''",
                "container:tier=db                             | container| tier                         | db",
            })
    void parsesSourceKeyAndValue(String text, String source, String key, String value) {
        assertThat(LabelSyntax.parseLabel(text, "labels")).isEqualTo(new Label(source, key, value));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "bogus:app=x                 | unknown label source",
                "k8s:-app=x                  | invalid label key",
                "k8s:App.Example.COM/name=x  | invalid label key",
                "k8s:a/b/c=x                 | invalid label key",
                "k8s:app=-x                  | invalid label value",
                "k8s:app=has space           | invalid label value",
                "reserved:nonsense           | unknown reserved label",
                "cidr:not-a-prefix           | not a prefix",
                "cidr:10.0.0.1/8             | host bits",
                "reserved:host=x             | unknown reserved label",
                "k8s:=x                      | invalid label key",
            })
    void rejectsMalformedLabelsNamingTheField(String text, String reason) {
        assertThatThrownBy(() -> LabelSyntax.parseLabel(text, "labels"))
                .isInstanceOfSatisfying(CommandRejectedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CommandRejectedException.Kind.INVALID);
                    assertThat(e.field()).isEqualTo("labels");
                    assertThat(e.reason()).contains(reason);
                });
    }

    @Test
    void rejectsKeysAndValuesOverKubernetesLimits() {
        assertThat(LabelSyntax.keyProblem("a".repeat(63))).isNull();
        assertThat(LabelSyntax.keyProblem("a".repeat(64))).isNotNull();
        assertThat(LabelSyntax.keyProblem("example.com/" + "a".repeat(63))).isNull();
        assertThat(LabelSyntax.valueProblem("v".repeat(63))).isNull();
        assertThat(LabelSyntax.valueProblem("v".repeat(64))).isNotNull();
        assertThat(LabelSyntax.valueProblem(null)).isNotNull();
        assertThat(LabelSyntax.keyProblem(null)).isNotNull();
        assertThat(LabelSyntax.keyProblem("a".repeat(63) + ".io/k")).isNull();
        assertThat(LabelSyntax.keyProblem("a".repeat(64) + ".io/k")).contains("at most 63 between dots");
        assertThat(LabelSyntax.keyProblem(
                        "a".repeat(61) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63) + "/k"))
                .isNull();
        assertThat(LabelSyntax.keyProblem(
                        "a".repeat(62) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63) + "/k"))
                .isNotNull();
    }

    @Test
    void parsesCidrKeysIntoOneSpelling() {
        assertThat(LabelSyntax.parseLabel("cidr:2001-db8-0-0-0-0-0-0/32", "labels")
                        .key())
                .isEqualTo("2001-db8--0/32");
        assertThat(LabelSyntax.parseLabel("cidr:fd00-0-0-0-0-0-0-1/128", "labels")
                        .key())
                .isEqualTo("fd00--1/128");
    }

    @Test
    void quotesClientTextShortAndWithoutControlCharacters() {
        assertThat(LabelSyntax.quote("a\u0000b\nc")).isEqualTo("'a\\u0000b\\u000ac'");
        assertThat(LabelSyntax.quote("x".repeat(5000)))
                .startsWith("'" + "x".repeat(64) + "'")
                .endsWith("(5000 characters)");
        assertThat(LabelSyntax.quote(null)).isEqualTo("null");
    }

    @Test
    void refusesOversizedAndDuplicateLabelSets() {
        List<String> many = new ArrayList<>();
        IntStream.range(0, LabelSyntax.MAX_LABELS + 1).forEach(i -> many.add("k8s:key" + i + "=v"));
        assertThatThrownBy(() -> LabelSyntax.parseLabels(many, "labels"))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo("labels"));
        assertThatThrownBy(() -> LabelSyntax.parseLabels(List.of("k8s:app=a", "unspec:app=b"), "labels"))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.reason()).contains("twice"));
    }
}
