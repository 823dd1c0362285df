package dev.tendril.agent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once configured for a node; later issues add map and Kafka state to it. */
@Readiness
@ApplicationScoped
public class AgentReadinessCheck implements HealthCheck {

    @Inject
    AgentConfig config;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("agent").up().withData("node", config.nodeName()).build();
    }
}
