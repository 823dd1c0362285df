package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A command of this machine never waited for past its deadline, and its failures name it. */
class HostCommandTest {

    @Test
    void returnsWhatTheCommandPrinted() {
        assertThat(HostCommand.run(List.of("sh", "-c", "echo out; echo err >&2")))
                .contains("out")
                .contains("err");
    }

    @Test
    void aFailureNamesTheCommandItsExitAndWhatItSaid() {
        assertThatThrownBy(() -> HostCommand.run(List.of("sh", "-c", "echo no such link >&2; exit 2")))
                .hasMessageContaining("sh -c")
                .hasMessageContaining("exit 2")
                .hasMessageContaining("no such link");
    }

    @Test
    @Timeout(30)
    void aCommandThatDoesNotEndIsKilledAtItsDeadline() {
        assertThatThrownBy(() -> HostCommand.run(List.of("sleep", "120"), Duration.ofSeconds(1)))
                .hasMessageContaining("sleep 120: no answer within 1 s");
    }

    @Test
    @Timeout(30)
    void aCommandWhoseChildKeepsTheOutputOpenIsNotWaitedForPastItsExit() {
        // The shell ends at once; the sleep it left holds the pipe: reading to its end would wait a minute.
        assertThat(HostCommand.run(List.of("sh", "-c", "echo started; sleep 60 &"), Duration.ofSeconds(5)))
                .isNotNull();
    }
}
