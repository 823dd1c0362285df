package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.RelayStatus;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * Whether committed events reach Kafka. A wellness check, not a readiness check: while Kafka is down
 * the service still accepts and commits changes (they drain when Kafka returns), so it must not be
 * taken out of service; operators see the outage here ({@code /q/health/well}), and in the lag metrics.
 */
@Wellness
@ApplicationScoped
public class OutboxRelayHealthCheck implements HealthCheck {

    @Inject
    OutboxRelayLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        Optional<RelayStatus> maybeStatus = lifecycle.status();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("outbox-relay");
        if (maybeStatus.isEmpty()) {
            return response.up().withData("state", "DISABLED").build();
        }
        RelayStatus status = maybeStatus.get();
        response.withData("state", status.state().name())
                .withData("published", status.publishedTotal())
                .withData("failures", status.failuresTotal())
                .withData("lagEvents", status.lagEvents());
        if (status.lastError() != null) {
            response.withData("lastError", status.lastError());
        }
        return response.status(status.state() != RelayStatus.State.RETRYING).build();
    }
}
