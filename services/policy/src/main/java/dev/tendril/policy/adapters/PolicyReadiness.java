package dev.tendril.policy.adapters;

import dev.tendril.policy.adapters.kafka.InputsConsumer;
import dev.tendril.policy.adapters.kafka.PublishedMapsConsumer;
import dev.tendril.policy.app.PolicyRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN until the identities and endpoints are bootstrapped: before that the maps would be transient. Data
 * {@code role} says whether this replica publishes ({@code leader}) or stands by ({@code standby}); both
 * are ready, since either serves reads and writes. Data {@code maps} says whether this replica read tendril.policy to
 * its end for {@code GetPolicyMaps} ({@code FOLLOWING}) or answers UNAVAILABLE still ({@code BOOTSTRAPPING}).
 */
@Readiness
@ApplicationScoped
public class PolicyReadiness implements HealthCheck {

    @Inject
    PolicyRuntime runtime;

    @Inject
    InputsConsumer inputs;

    @Inject
    PublishedMapsConsumer maps;

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("policy-inputs")
                .status(runtime.isReady())
                .withData("state", runtime.isReady() ? "FOLLOWING" : "BOOTSTRAPPING")
                .withData("role", runtime.isLeader() ? "leader" : "standby")
                .withData("maps", maps.caughtUp() ? "FOLLOWING" : "BOOTSTRAPPING");
        inputs.kafkaProblem().ifPresent(p -> b.withData("kafka", p));
        int unpublished = runtime.unpublished().size();
        if (unpublished > 0) {
            b.withData("unpublished", unpublished);
        }
        return b.build();
    }
}
