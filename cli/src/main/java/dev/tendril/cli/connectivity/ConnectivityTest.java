package dev.tendril.cli.connectivity;

import dev.tendril.cli.apply.Manifest;
import java.util.List;

/**
 * One scenario of {@code connectivity test}: the policies and Services it applies (and deletes after), the probes
 * that must all get their expected verdict, or why it cannot run on this stack.
 *
 * @param skip why the scenario does not apply (one node for a cross-node test), or null
 */
record ConnectivityTest(String name, List<Manifest> policies, List<Expectation> expectations, String skip) {

    ConnectivityTest {
        policies = List.copyOf(policies);
        expectations = List.copyOf(expectations);
    }

    ConnectivityTest(String name, List<Manifest> policies, List<Expectation> expectations) {
        this(name, policies, expectations, null);
    }
}
