package dev.tendril.agent;

import dev.tendril.agent.adapters.DatapathMaps;
import dev.tendril.agent.adapters.NodeRegistration;
import dev.tendril.agent.adapters.NodeStateConsumer;
import dev.tendril.agent.adapters.PodNetworks;
import dev.tendril.agent.adapters.PolicyFetcher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Down until the node is registered with IPAM and the first bootstrap from the state topics reached
 * their end and the maps were reconciled; up afterwards, also while Kafka is unreachable (the maps keep enforcing the last state:
 * fail-static), which the {@code kafka} data reports, and while the policy service does not answer the fetches of the
 * local subjects' maps ({@code policyFetch}, fetch mode).
 */
@Readiness
@ApplicationScoped
public class AgentReadinessCheck implements HealthCheck {

    @Inject
    AgentConfig config;

    @Inject
    NodeStateConsumer state;

    @Inject
    DatapathMaps maps;

    @Inject
    NodeRegistration registration;

    @Inject
    PodNetworks pods;

    @Override
    public HealthCheckResponse call() {
        NodeStateConsumer.Status s = state.status();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("agent")
                .withData("node", config.nodeName())
                .withData("datapath", maps.backend().describe())
                .withData("podNetwork", pods.status())
                .withData("kafka", s.kafkaProblem().orElse(s.enabled() ? "ok" : "sync disabled"))
                .withData(
                        "ipam",
                        registration
                                .problem()
                                .orElse(registration
                                        .node()
                                        .map(n -> "registered " + n.getPodCidrsList())
                                        .orElse("registration disabled")));
        if (!s.enabled()) {
            return b.status(registration.registered())
                    .withData("sync", "disabled")
                    .build();
        }
        b.withData("sync", s.bootstrapped() ? "following" : "bootstrapping")
                .withData("identities", s.image().identities().size())
                .withData("endpoints", s.image().endpoints().size())
                .withData("nodes", s.image().nodes().size())
                .withData("ipcacheEntries", maps.entries(DatapathMaps.IPCACHE))
                .withData("policies", s.image().policies().size())
                .withData("policySource", state.policyFetcher().isPresent() ? "fetch" : "topic")
                .withData("recordsRejected", s.recordsRejected());
        // Fail-static as with Kafka: the maps keep their content while the policy service does not answer.
        state.policyFetcher()
                .ifPresent(f -> b.withData("policyFetch", f.problem().orElseGet(() -> {
                    PolicyFetcher.Counts c = f.counts();
                    return "ok (" + c.fetches() + " calls, " + c.maps() + " maps, " + c.failures() + " failed)";
                })));
        return b.status(s.bootstrapped() && registration.registered()).build();
    }
}
