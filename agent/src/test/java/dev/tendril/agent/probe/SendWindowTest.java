package dev.tendril.agent.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SendWindowTest {

    @Test
    void dropsAndCountsWhatFindsTheWindowFull() {
        SendWindow window = new SendWindow(2);

        assertThat(window.tryAcquire()).isTrue();
        assertThat(window.tryAcquire()).isTrue();
        assertThat(window.tryAcquire()).isFalse();
        assertThat(window.tryAcquire()).isFalse();

        assertThat(window.lost()).isEqualTo(2);
        assertThat(window.inFlight()).isEqualTo(2);
    }

    @Test
    void reportsTheLossesOnceThereIsRoomInOneRecordThatTakesASlot() {
        SendWindow window = new SendWindow(1);
        window.tryAcquire();
        window.tryAcquire();
        window.tryAcquire();

        assertThat(window.takeUnreported()).as("no room for the report yet").isZero();
        window.release();
        assertThat(window.takeUnreported()).isEqualTo(2);
        assertThat(window.inFlight()).isEqualTo(1);
        assertThat(window.takeUnreported()).as("reported once").isZero();
        assertThat(window.lost()).as("the total stays").isEqualTo(2);
    }

    @Test
    void reportsAgainWhatAFailedReportCarried() {
        SendWindow window = new SendWindow(1);
        window.tryAcquire();
        window.tryAcquire();
        window.release();
        long count = window.takeUnreported();
        window.release();

        window.unreported(count);

        assertThat(window.takeUnreported()).isEqualTo(1);
    }

    @Test
    void awaitsUntilNothingIsInFlight() throws InterruptedException {
        SendWindow window = new SendWindow(4);
        window.tryAcquire();
        assertThat(window.awaitEmpty(Duration.ofMillis(10))).isFalse();
        Thread.ofVirtual().start(window::release);
        assertThat(window.awaitEmpty(Duration.ofSeconds(30))).isTrue();
    }

    @Test
    void refusesAWindowWithoutRoom() {
        assertThatThrownBy(() -> new SendWindow(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
