package dev.tendril.identity.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.eventstore.CommandRejectedException;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.Labels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What allocate-or-reuse accepts from a caller: pod labels, or a CIDR identity as the policy service asks. */
class IdentityLabelsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "pod labels                 | k8s:app=web;k8s:tier=db                        | k8s:app=web;k8s:tier=db",
                "v4 CIDR identity           | cidr:10.0.0.0/8;reserved:world                 | cidr:10.0.0.0/8;reserved:world",
                "v4 host prefix             | cidr:192.0.2.1/32;reserved:world               | cidr:192.0.2.1/32;reserved:world",
                "v4 default route           | cidr:0.0.0.0/0;reserved:world                  | cidr:0.0.0.0/0;reserved:world",
                "v6 Cilium spelling         | cidr:2001-db8--0/32;reserved:world             | cidr:2001-db8--0/32;reserved:world",
                "v6 expanded (policy)       | cidr:2001-db8-0-0-0-0-0-0/32;reserved:world    | cidr:2001-db8--0/32;reserved:world",
                "v6 default route           | cidr:0-0-0-0-0-0-0-0/0;reserved:world          | cidr:0--0/0;reserved:world",
                "v6 host prefix             | cidr:2001-db8--1/128;reserved:world            | cidr:2001-db8--1/128;reserved:world",
                "v6 leading zero run        | cidr:0--1-0-0-0/128;reserved:world             | cidr:0--1-0-0-0/128;reserved:world",
                "v6 single zero group kept  | cidr:2001-db8-0-1-1-1-1-0/127;reserved:world   | cidr:2001-db8-0-1-1-1-1-0/127;reserved:world",
            })
    void acceptsPodLabelsAndCidrIdentities(String name, String request, String expected) {
        assertThat(IdentityLabels.requested(List.of(request.split(";")), "labels")
                        .strings())
                .containsExactlyInAnyOrder(expected.split(";"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "garbage prefix             | cidr:---/0;reserved:world                      | labels[0] | not a prefix",
                "octets over 255            | cidr:999.999.999.999/99;reserved:world         | labels[0] | over 255",
                "v4 length 33               | cidr:10.0.0.0/33;reserved:world                | labels[0] | over 32",
                "v4 host bits               | cidr:10.0.0.1/8;reserved:world                 | labels[0] | 10.0.0.0/8",
                "v4 leading zero            | cidr:010.0.0.0/8;reserved:world                | labels[0] | not a prefix",
                "length leading zero        | cidr:10.0.0.0/08;reserved:world                | labels[0] | leading zeros",
                "no length                  | cidr:10.0.0.0;reserved:world                   | labels[0] | not a prefix",
                "negative length            | cidr:10.0.0.0/-1;reserved:world                | labels[0] | not a prefix",
                "v6 length 129              | cidr:2001-db8--0/129;reserved:world            | labels[0] | over 128",
                "v6 host bits               | cidr:2001-db8--1/32;reserved:world             | labels[0] | 2001-db8--0/32",
                "v6 colons                  | cidr:2001:db8::/32;reserved:world              | labels[0] | not a prefix",
                "v6 upper case              | cidr:2001-DB8--0/32;reserved:world             | labels[0] | not a prefix",
                "v6 leading zeros           | cidr:2001-0db8--0/32;reserved:world            | labels[0] | 2001-db8--0/32",
                "v6 unpadded                | cidr:--/0;reserved:world                       | labels[0] | not a prefix",
                "v6 bad compression         | cidr:2001-db8-0-0-0-0--0/32;reserved:world     | labels[0] | 2001-db8--0/32",
                "v6 two runs                | cidr:1--2--3/128;reserved:world                | labels[0] | not an address",
                "v6 v4-mapped               | cidr:0--ffff-a00-0/128;reserved:world          | labels[0] | IPv4",
                "cidr with value            | cidr:10.0.0.0/8=x;reserved:world               | labels[0] | no value",
                "cidr alone                 | cidr:10.0.0.0/8                                | labels    | exactly",
                "cidr with pod label        | cidr:10.0.0.0/8;k8s:app=x;reserved:world       | labels[1] | exactly",
                "cidr with world-ipv4       | cidr:10.0.0.0/8;reserved:world-ipv4            | labels[1] | exactly",
                "two cidr labels            | cidr:10.0.0.0/8;cidr:10.0.0.0/7;reserved:world | labels[1] | one cidr",
                "reserved host              | reserved:host                                  | labels[0] | reserved identity",
                "reserved world alone       | reserved:world                                 | labels[0] | reserved identity",
                "reserved with pod labels   | k8s:app=x;reserved:health                      | labels[1] | reserved identity",
                "reserved with value        | reserved:world=x;cidr:10.0.0.0/8               | labels[0] | unknown reserved",
                "unknown reserved           | reserved:nonsense                              | labels[0] | unknown reserved",
                "bad pod label              | k8s:app=ok;k8s:-x=y                            | labels[1] | invalid label key",
            })
    void refusesGarbageAndReservedLabelsNamingTheElement(String name, String request, String field, String reason) {
        assertThatThrownBy(() -> IdentityLabels.requested(List.of(request.split(";")), "labels"))
                .isInstanceOfSatisfying(CommandRejectedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CommandRejectedException.Kind.INVALID);
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.reason()).contains(reason);
                });
    }

    @Test
    void refusesMissingAndNullLabels() {
        assertThatThrownBy(() -> IdentityLabels.requested(null, "labels"))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo("labels"));
        assertThatThrownBy(() -> IdentityLabels.requested(Arrays.asList("k8s:app=x", null), "labels"))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo("labels[1]"));
        assertThatThrownBy(() -> IdentityLabels.requested(List.of("k8s:app=a", "unspec:app=b"), "labels"))
                .isInstanceOfSatisfying(
                        CommandRejectedException.class,
                        e -> assertThat(e.reason()).contains("twice"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "garbage cidr               | cidr:---/0;reserved:world                      | not a prefix",
                "cidr length 33             | cidr:10.0.0.0/33;reserved:world                | over 32",
                "second host identity       | reserved:host                                  | reserved identity",
                "cidr without world         | cidr:10.0.0.0/8                                | exactly",
            })
    void findsStoredGarbage(String name, String stored, String reason) {
        Labels labels =
                Labels.of(Arrays.stream(stored.split(";")).map(Label::parse).toList());
        assertThat(IdentityLabels.storedProblem(labels)).contains(reason);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "v4 CIDR identity           | cidr:10.0.0.0/8;reserved:world",
                "v6 as the policy wrote it  | cidr:2001-db8-0-0-0-0-0-0/32;reserved:world",
                "pod identity               | k8s:app=web;k8s:io.kubernetes.pod.namespace=shop",
                "derived key over 63        | k8s:io.cilium.k8s.namespace.labels.a-namespace-label-key-of-forty-chars=x",
            })
    void leavesValidStoredIdentitiesAlone(String name, String stored) {
        Labels labels =
                Labels.of(Arrays.stream(stored.split(";")).map(Label::parse).toList());
        assertThat(IdentityLabels.storedProblem(labels)).isNull();
    }
}
