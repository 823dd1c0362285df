package dev.tendril.deploy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that starts the launcher in a child JVM for an end-to-end test, on this test's class path. */
final class TestLauncher {

    private TestLauncher() {}

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
