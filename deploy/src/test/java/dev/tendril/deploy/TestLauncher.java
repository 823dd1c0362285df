package dev.tendril.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** The command line that starts the launcher in a child JVM for an end-to-end test, on this test's class path. */
final class TestLauncher {

    /**
     * How long a test waits for a launcher to stop: beyond the launcher's own grace, the JVMs that train their jar's
     * ahead-of-time cache write it as they stop (once per build, {@link AotCache}).
     */
    static final java.time.Duration STOP_GUARD = AotCache.WRITE_GRACE.plus(java.time.Duration.ofMinutes(1));

    private TestLauncher() {}

    /**
     * A fresh data directory under {@code deploy/target} for the stack {@code config} describes; the test is skipped,
     * saying which, when a service or agent jar it needs is not built.
     */
    static Path dataDirOrSkip(Path repo, StackConfig config, String test, String prefix) throws IOException {
        List<Path> missing = config.components().stream()
                .map(ComponentSpec::jar)
                .filter(Files::notExists)
                .distinct()
                .toList();
        if (!missing.isEmpty()) {
            String reason = "service/agent jars not built, skipping the " + test + ": " + missing;
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        Files.createDirectories(repo.resolve("deploy/target"));
        // Not a JUnit @TempDir (mode 700): PostgreSQL runs as "nobody" when started by root and must reach its files.
        return Files.createTempDirectory(repo.resolve("deploy/target"), prefix);
    }

    /**
     * {@code java -Xmx<heap> ... Launcher --repo REPO --data-dir DIR --kafka-port 0 --postgres-port 0 --port-offset N}
     * followed by {@code options} (the test's nodes, datapath, ready timeout and the like).
     */
    static List<String> command(String heap, Path repo, Path dataDir, int portOffset, String... options) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap,
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-cp",
                System.getProperty("java.class.path"),
                Launcher.class.getName(),
                "--repo",
                repo.toString(),
                "--data-dir",
                dataDir.toString(),
                "--kafka-port",
                "0",
                "--postgres-port",
                "0",
                "--port-offset",
                Integer.toString(portOffset)));
        command.addAll(List.of(options));
        return command;
    }
}
