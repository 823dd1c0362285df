package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.status.HealthProbe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up's readiness wait with real child processes: a component that exits before it is ready (a service
 * whose database connection timed out on a loaded machine) is started again, and start-up goes on; one that
 * keeps exiting fails start-up naming its exit code and showing its log.
 */
class ReadinessWaitTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    private Supervisor supervisor;

    @AfterEach
    void stopChildren() {
        if (supervisor != null) {
            supervisor.close();
        }
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void aComponentThatExitsBeforeItIsReadyIsStartedAgainAndStartUpGoesOn() throws IOException {
        Supervised flaky = flaky("identity", 2);

        readiness(Duration.ofSeconds(60)).await(List.of(flaky), null);

        assertThat(Files.readString(dir.resolve("identity.starts")).strip()).isEqualTo("3");
        assertThat(text())
                .contains("identity   exited with code 3 before it was ready")
                .contains("starting it again (start 2 of 3)")
                .contains("starting it again (start 3 of 3)")
                .contains("identity   ready");
        assertThat(flaky.process().process().isAlive()).isTrue();
    }

    @Test
    void aComponentThatKeepsExitingFailsStartUpWithItsExitCodeAndLog() {
        Supervised broken = flaky("policy", 10);

        assertThatThrownBy(() -> readiness(Duration.ofSeconds(60)).await(List.of(broken), null))
                .isInstanceOf(StartupFailure.class)
                .hasMessageContaining("policy exited with code 3 before it was ready, 3 times")
                .hasMessageContaining("not ready yet: start");
        assertThat(dir.resolve("policy.starts")).content().isEqualToIgnoringWhitespace("3");
    }

    /** A component whose process exits with code 3 on its first {@code failures} starts, then stays up, ready. */
    private Supervised flaky(String name, int failures) {
        if (supervisor == null) {
            supervisor = new Supervisor(BackOff.DEFAULT, Clock.systemUTC(), dir, out, c -> false, () -> {});
        }
        Path log = dir.resolve(name + ".log");
        Supervised supervised = supervisor.add(
                new Component(name, Kind.POSTGRES, 1, "test:" + name, null, log.toString()),
                () -> List.of(
                        "-cp",
                        System.getProperty("java.class.path"),
                        FlakyChild.class.getName(),
                        dir.toString(),
                        name,
                        Integer.toString(failures)),
                Duration.ofSeconds(1),
                () -> {});
        supervisor.start(supervised);
        return supervised;
    }

    private ReadinessWait readiness(Duration timeout) {
        return new ReadinessWait(
                out,
                timeout,
                () -> false,
                new HealthProbe(),
                component -> Files.exists(dir.resolve(component.name() + ".ready")),
                supervisor,
                () -> "0 s");
    }

    private String text() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    /** The child: counts its starts in DIR/NAME.starts, exits 3 while they are at most FAILURES, else is ready. */
    public static final class FlakyChild {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            String name = args[1];
            int failures = Integer.parseInt(args[2]);
            Path count = dir.resolve(name + ".starts");
            int starts = (Files.exists(count)
                            ? Integer.parseInt(Files.readString(count).strip())
                            : 0)
                    + 1;
            Files.writeString(count, Integer.toString(starts));
            System.out.println("not ready yet: start " + starts);
            if (starts <= failures) {
                System.exit(3);
            }
            Files.writeString(dir.resolve(name + ".ready"), "ready");
            Thread.sleep(Duration.ofMinutes(2));
        }
    }
}
