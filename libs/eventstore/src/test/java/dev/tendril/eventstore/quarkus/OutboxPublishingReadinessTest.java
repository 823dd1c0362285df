package dev.tendril.eventstore.quarkus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.eventstore.RelayStatus;
import dev.tendril.eventstore.RelayStatus.State;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When the relay's state takes the service out of readiness. */
class OutboxPublishingReadinessTest {

    private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(10);

    @Test
    void readyWhilePublishingStandingByOrStarting() {
        assertThat(OutboxPublishingReadiness.publishing(status(State.PUBLISHING, null, null), GRACE, NOW))
                .isTrue();
        assertThat(OutboxPublishingReadiness.publishing(status(State.STANDBY, null, null), GRACE, NOW))
                .isTrue();
        assertThat(OutboxPublishingReadiness.publishing(status(State.STARTING, null, null), GRACE, NOW))
                .isTrue();
    }

    @Test
    void aBriefOutageKeepsReadinessButALongOneTurnsItDown() {
        assertThat(OutboxPublishingReadiness.publishing(status(State.RETRYING, NOW.minusSeconds(3), null), GRACE, NOW))
                .isTrue();
        assertThat(OutboxPublishingReadiness.publishing(status(State.RETRYING, NOW.minusSeconds(10), null), GRACE, NOW))
                .isFalse();
    }

    @Test
    void aStalledEventTurnsReadinessDownAtOnce() {
        assertThat(OutboxPublishingReadiness.publishing(
                        status(State.STALLED, NOW, "endpoint/demo/p@1 (position 7, type EndpointRegistered)"),
                        GRACE,
                        NOW))
                .isFalse();
    }

    private static RelayStatus status(State state, Instant failingSince, String stalledEvent) {
        return new RelayStatus(state, 0, failingSince == null ? 0 : 1, 0, 0, null, null, failingSince, stalledEvent);
    }
}
