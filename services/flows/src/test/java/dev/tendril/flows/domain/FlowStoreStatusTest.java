package dev.tendril.flows.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** What ServerStatus and GetNamespaces read from the rings: the flow rate and the namespaces seen. */
class FlowStoreStatusTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long NOW = 1_000 * SECOND;

    @Test
    void flowRateCountsTheLastMinuteOfFlowTimes() {
        FlowStore store = new FlowStore(255);
        // 10 flows two minutes ago (outside the window), then 120 within the last minute on two nodes.
        for (int i = 0; i < 10; i++) {
            store.add(TestFlows.at(NOW - 120 * SECOND + i, "a"), 0);
        }
        for (int i = 0; i < 60; i++) {
            store.add(TestFlows.at(NOW - 59 * SECOND + i * SECOND / 2, "a"), 0);
            store.add(TestFlows.at(NOW - 59 * SECOND + i * SECOND / 2, "b"), 0);
        }
        assertThat(store.flowRate(NOW)).isCloseTo(2.0, within(1e-9));
    }

    @Test
    void flowRateOfLessThanAMinuteOfFlowsUsesTheTimeSinceTheOldest() {
        FlowStore store = new FlowStore(255);
        for (int i = 0; i < 20; i++) {
            store.add(TestFlows.at(NOW - 10 * SECOND + i * SECOND / 2, "a"), 0);
        }
        assertThat(store.flowRate(NOW)).isCloseTo(2.0, within(1e-9));
        assertThat(new FlowStore(7).flowRate(NOW)).isZero();
    }

    @Test
    void namespacesAreThoseOfEitherSideOfTheHeldFlows() {
        FlowStore store = new FlowStore(3);
        store.add(TestFlows.tcp(1, "a", TestFlows.WORLD, "1.1.1.1", TestFlows.COREDNS, "10.0.0.2", 53, 1, 0), 0);
        assertThat(store.namespaces()).containsExactly("kube-system");
        for (int i = 0; i < 3; i++) {
            store.add(TestFlows.at(2 + i, "a"), 0);
        }
        // The coredns flow was overwritten: its namespace is no longer seen.
        assertThat(store.namespaces()).containsExactly("demo");
        store.add(TestFlows.tcp(9, "b", TestFlows.FRONTEND, "10.0.1.5", TestFlows.COREDNS, "10.0.0.2", 53, 1, 0), 0);
        assertThat(store.namespaces()).containsExactly("demo", "kube-system");
    }
}
