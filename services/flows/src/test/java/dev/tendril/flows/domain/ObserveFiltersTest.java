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
    void namesTheParameterAtFault() {
        assertThatThrownBy(() -> ObserveFilters.whitelist(Map.of("from-ip", List.of("10.0.0.0/99"))))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class, e -> assertThat(e.field()).isEqualTo("from-ip"));
        assertThatThrownBy(() -> ObserveFilters.whitelist(Map.of("verdict", List.of("MAYBE"))))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class, e -> assertThat(e.field()).isEqualTo("verdict"));
        assertThatThrownBy(() -> ObserveFilters.time("yesterday", "since", 0))
                .isInstanceOfSatisfying(
                        InvalidFilterException.class, e -> assertThat(e.field()).isEqualTo("since"));
        assertThat(ObserveFilters.time("5m", "since", 600_000_000_000L)).isEqualTo(300_000_000_000L);
        assertThat(ObserveFilters.time("2026-11-26T14:31:07Z", "since", 0)).isEqualTo(1795703467_000_000_000L);
    }
}
