package dev.tendril.agent;

import dev.tendril.agent.adapters.DatapathMaps;
import dev.tendril.agent.adapters.NodeRegistration;
import dev.tendril.agent.adapters.NodeStateConsumer;
import dev.tendril.agent.adapters.PodNetworks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Down until the node is registered with IPAM and the first bootstrap from the state topics reached
 * their end and the maps were reconciled; up afterwards, also while Kafka is unreachable (the maps keep enforcing the last state:
 * fail-static), which the {@code kafka} data reports.
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
                .withData("recordsRejected", s.recordsRejected());
        return b.status(s.bootstrapped() && registration.registered()).build();
    }
}
