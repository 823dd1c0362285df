package dev.tendril.flows.adapters.kafka;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the ingest has assigned the flows topic and read up to its end as it was at start. */
@Readiness
@ApplicationScoped
public class FlowsIngestHealth implements HealthCheck {

    @Inject
    FlowsConsumer ingest;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("flows-ingest")
                .status(ingest.caughtUp())
                .withData("seen_flows", ingest.seenFlows())
                .build();
    }
}
