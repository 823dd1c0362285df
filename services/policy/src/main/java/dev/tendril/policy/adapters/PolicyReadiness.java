package dev.tendril.policy.adapters;

import dev.tendril.policy.adapters.kafka.InputsConsumer;
import dev.tendril.policy.app.PolicyRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN until the identities and endpoints are bootstrapped: before that the maps would be transient. Data
 * {@code role} says whether this replica publishes ({@code leader}) or stands by ({@code standby}); both
 * are ready, since either serves reads and writes.
 */
@Readiness
@ApplicationScoped
public class PolicyReadiness implements HealthCheck {

    @Inject
    PolicyRuntime runtime;

    @Inject
    InputsConsumer inputs;

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("policy-inputs")
                .status(runtime.isReady())
                .withData("state", runtime.isReady() ? "FOLLOWING" : "BOOTSTRAPPING")
                .withData("role", runtime.isLeader() ? "leader" : "standby");
        inputs.kafkaProblem().ifPresent(p -> b.withData("kafka", p));
        int unpublished = runtime.unpublished().size();
        if (unpublished > 0) {
            b.withData("unpublished", unpublished);
        }
        return b.build();
    }
}
