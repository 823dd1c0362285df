package dev.tendril.flows.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** hubble observe flags to filters: side-less flags match either side. */
class ObserveFiltersTest {

    @Test
    void podFlagMatchesEitherSideAndToPortApplesToBoth() {
        List<FilterSpec> filters =
                ObserveFilters.whitelist(Map.of("pod", List.of("demo/frontend"), "to-port", List.of("80")));
        assertThat(filters).hasSize(2);
        assertThat(filters.get(0).sourcePod()).containsExactly("demo/frontend");
        assertThat(filters.get(1).destinationPod()).containsExactly("demo/frontend");
        assertThat(filters).allSatisfy(f -> assertThat(f.destinationPort()).containsExactly("80"));
    }

    @Test
    void namespaceQualifiesPodsOrStandsAlone() {
        assertThat(ObserveFilters.whitelist(Map.of("namespace", List.of("demo")))
                        .get(0)
                        .sourcePod())
                .containsExactly("demo/");
        assertThat(ObserveFilters.whitelist(Map.of("namespace", List.of("demo"), "from-pod", List.of("web")))
                        .get(0)
                        .sourcePod())
                .containsExactly("demo/web");
        assertThat(ObserveFilters.whitelist(Map.of("verdict", List.of("dropped"))))
                .singleElement()
                .satisfies(f -> assertThat(f.verdict()).containsExactly(2));
        assertThat(ObserveFilters.whitelist(Map.of())).isEmpty();
    }

    @Test
    void allNamespacesIsTheEmptyNamespaceAsTheCliSendsIt() {
        // hubble observe -A: filterTracker's namespace "" gives source_pod ["/"] | destination_pod ["/"].
        List<FilterSpec> all = ObserveFilters.whitelist(Map.of("all-namespaces", List.of("true")));
        assertThat(all).hasSize(2);
        assertThat(all.get(0).sourcePod()).containsExactly("/");
        assertThat(all.get(0).destinationPod()).isEmpty();
        assertThat(all.get(1).destinationPod()).containsExactly("/");
        List<FilterSpec> pod = ObserveFilters.whitelist(Map.of("all-namespaces", List.of(""), "pod", List.of("web")));
        assertThat(pod.get(0).sourcePod()).containsExactly("/web");
        assertThat(pod.get(1).destinationPod()).containsExactly("/web");
        List<FilterSpec> to = ObserveFilters.whitelist(Map.of("to-namespace", List.of("a", "b")));
        assertThat(to)
                .singleElement()
                .satisfies(f -> assertThat(f.destinationPod()).containsExactly("a/", "b/"));
    }

    @Test
    void typeDropReasonUuidAndFqdnFlags() {
        FilterSpec f = ObserveFilters.whitelist(
                        Map.of(
                                "type",
                                List.of("drop", "trace:to-endpoint", "policy-verdict", "129"),
                                "drop-reason-desc",
                                List.of("7"),
                                "uuid",
                                List.of("abc")),
                        Integer::parseInt)
                .getFirst();
        assertThat(f.eventType())
                .containsExactly(
                        new FilterSpec.EventType(1, false, 0),
                        new FilterSpec.EventType(4, true, 0),
                        new FilterSpec.EventType(5, false, 0),
                        new FilterSpec.EventType(129, false, 0));
        assertThat(f.dropReason()).containsExactly(7);
        assertThat(f.uuid()).containsExactly("abc");
        List<FilterSpec> fqdn = ObserveFilters.whitelist(Map.of("fqdn", List.of("*.cilium.io")));
        assertThat(fqdn.get(0).sourceFqdn()).containsExactly("*.cilium.io");
        assertThat(fqdn.get(1).destinationFqdn()).containsExactly("*.cilium.io");
        assertThatThrownBy(() -> ObserveFilters.whitelist(Map.of("type", List.of("nonsense"))))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class, e -> assertThat(e.field()).isEqualTo("type"));
    }

    @Test
    void workloadClusterAndNodeLabelFlags() {
        List<FilterSpec> w = ObserveFilters.whitelist(Map.of("workload", List.of("Deployment/web", "db")));
        assertThat(w.get(0).sourceWorkload())
                .containsExactly(new Peer.Workload("Deployment", "web"), new Peer.Workload("", "db"));
        assertThat(w.get(1).destinationWorkload()).hasSize(2);
        FilterSpec c = ObserveFilters.whitelist(
                        Map.of("to-cluster", List.of("prod-*"), "node-label", List.of("zone in (a,b)")))
                .getFirst();
        assertThat(c.destinationCluster()).containsExactly("prod-*");
        assertThat(c.nodeLabels()).containsExactly("zone in (a,b)");
    }

    @Test
    void notPrefixedParametersFormTheBlacklistAndUnsupportedFlagsFail() {
        List<FilterSpec> black = ObserveFilters.blacklist(
                Map.of("not-verdict", List.of("FORWARDED"), "pod", List.of("x/y")), Integer::parseInt);
        assertThat(black).singleElement().satisfies(f -> {
            assertThat(f.verdict()).containsExactly(1);
            assertThat(f.sourcePod()).isEmpty();
        });
        assertThat(ObserveFilters.blacklist(Map.of("pod", List.of("x/y")), Integer::parseInt))
                .isEmpty();
        for (String refused : List.of("http-method", "service", "to-service", "trace-id", "cel-expression")) {
            assertThatThrownBy(() -> ObserveFilters.whitelist(Map.of(refused, List.of("x"))))
                    .isInstanceOfSatisfying(
                            InvalidFilterException.class,
                            e -> assertThat(e.field()).isEqualTo(refused));
        }
        assertThatThrownBy(() -> ObserveFilters.blacklist(Map.of("not-http-path", List.of("/")), Integer::parseInt))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class, e -> assertThat(e.field()).isEqualTo("not-http-path"));
    }

    @Test
    void namesTheParameterAtFault() {
        assertThatThrownBy(() -> ObserveFilters.whitelist(Map.of("from-ip", List.of("10.0.0.0/99"))))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class, e -> assertThat(e.field()).isEqualTo("from-ip"));
        assertThatThrownBy(() -> ObserveFilters.whitelist(Map.of("verdict", List.of("MAYBE"))))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class, e -> assertThat(e.field()).isEqualTo("verdict"));
        assertThatThrownBy(() -> FlowTimes.time("yesterday", "since", 0))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class, e -> assertThat(e.field()).isEqualTo("since"));
        assertThat(FlowTimes.time("5m", "since", 600_000_000_000L)).isEqualTo(300_000_000_000L);
        assertThat(FlowTimes.time("2026-11-26T14:31:07Z", "since", 0)).isEqualTo(1795703467_000_000_000L);
    }
}
