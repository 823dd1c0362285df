package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {

    @TempDir
    Path dir;

    @Test
    void javaOptionsAreSplitAtWhitespaceAndNoneWhenUnsetOrBlank() {
        assertThat(ChildProcess.javaOptions(null)).isEmpty();
        assertThat(ChildProcess.javaOptions("  \t ")).isEmpty();
        assertThat(ChildProcess.javaOptions(" -XX:TieredStopAtLevel=1 \t -Xss1m\n"))
                .containsExactly("-XX:TieredStopAtLevel=1", "-Xss1m");
    }

    @Test
    void theExtraOptionsReachTheChildJvmBeforeItsOwnArguments() throws Exception {
        Path log = dir.resolve("child.log");
        ChildProcess child = ChildProcess.start(
                "probe",
                ChildProcess.javaOptions("-XX:TieredStopAtLevel=1"),
                List.of("-XX:+PrintFlagsFinal", "-version"),
                dir,
                log);
        await().atMost(Duration.ofSeconds(60)).until(() -> child.exitCode() >= 0);

        assertThat(child.exitCode()).isZero();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.getFirst()).contains("bin/java -XX:TieredStopAtLevel=1 -XX:+PrintFlagsFinal -version");
        assertThat(lines).anySatisfy(line -> assertThat(line).matches("\\s*intx TieredStopAtLevel\\s+= 1\\s.*"));
    }
}
