package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.RelayStatus;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * Whether the last attempt to publish committed events worked: DOWN at the first failed attempt, for
 * operators watching {@code /q/health/well}. Readiness ({@link OutboxPublishingReadiness}) turns DOWN
 * only when publishing stays broken for a while or is stalled by an event.
 */
@Wellness
@ApplicationScoped
public class OutboxRelayHealthCheck implements HealthCheck {

    @Inject
    OutboxRelayLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        return lifecycle
                .status()
                .map(status -> RelayHealth.describe("outbox-relay", status)
                        .status(status.state() != RelayStatus.State.RETRYING
                                && status.state() != RelayStatus.State.STALLED)
                        .build())
                .orElseGet(RelayHealth::disabled);
    }
}
