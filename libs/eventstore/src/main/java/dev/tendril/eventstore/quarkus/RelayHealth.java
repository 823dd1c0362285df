package dev.tendril.eventstore.quarkus;

import dev.tendril.eventstore.RelayStatus;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/** The relay's status as health-check data, shared by the wellness and readiness checks. */
final class RelayHealth {

    private RelayHealth() {}

    static HealthCheckResponseBuilder describe(String name, RelayStatus status) {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(name)
                .withData("state", status.state().name())
                .withData("published", status.publishedTotal())
                .withData("failures", status.failuresTotal())
                .withData("lagEvents", status.lagEvents());
        if (status.stalledEvent() != null) {
            response.withData("stalledAt", status.stalledEvent());
        }
        if (status.failingSince() != null) {
            response.withData("failingSince", status.failingSince().toString());
        }
        if (status.lastError() != null) {
            response.withData("lastError", status.lastError());
        }
        return response;
    }

    static HealthCheckResponse disabled() {
        return HealthCheckResponse.named("outbox-relay")
                .up()
                .withData("state", "DISABLED")
                .build();
    }
}
