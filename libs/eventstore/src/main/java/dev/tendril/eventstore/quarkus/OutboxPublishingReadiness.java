package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.RelayStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness DOWN while committed changes do not reach Kafka: at once when an event stalls the relay
 * (it cannot be published, nothing behind it is), and after {@code relay.unready-after} of failed
 * attempts in a row (Kafka or PostgreSQL gone). A brief broker hiccup does not flap readiness.
 */
@Readiness
@ApplicationScoped
public class OutboxPublishingReadiness implements HealthCheck {

    @Inject
    OutboxRelayLifecycle lifecycle;

    @Inject
    EventStoreConfig config;

    Clock clock = Clock.systemUTC();

    @Override
    public HealthCheckResponse call() {
        return lifecycle
                .status()
                .map(status -> RelayHealth.describe("outbox-publishing", status)
                        .status(publishing(status, config.relay().unreadyAfter(), clock.instant()))
                        .build())
                .orElseGet(RelayHealth::disabled);
    }

    public static boolean publishing(RelayStatus status, Duration unreadyAfter, Instant now) {
        if (status.state() == RelayStatus.State.STALLED) {
            return false;
        }
        Instant since = status.failingSince();
        return since == null || Duration.between(since, now).compareTo(unreadyAfter) < 0;
    }
}
