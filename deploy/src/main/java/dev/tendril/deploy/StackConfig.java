package dev.tendril.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What to run and where: the launcher's options with their defaults applied and checked.
 *
 * @param kafkaPort    preferred Kafka port (the next free one is used when taken; 0 = any free port)
 * @param postgresPort preferred PostgreSQL port (same rule)
 * @param portOffset   added to every service and agent HTTP port, so a second stack (a test) can run beside one
 */
record StackConfig(Path repo, Path dataDir, boolean fresh, int nodes, int kafkaPort, int postgresPort,
                   int portOffset, Duration readyTimeout) {

    static final Path RUNNER = Path.of("target", "quarkus-app", "quarkus-run.jar");
    static final List<String> SERVICES = List.of("identity", "ipam", "policy", "flows");
    static final int FIRST_SERVICE_PORT = 8081;
    static final int AGENT_PORT_BASE = 8090;
    static final int MAX_NODES = 9;
    static final String DATABASE = "tendril";

    StackConfig {
        repo = repo.toAbsolutePath().normalize();
        dataDir = dataDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(repo)) {
            throw new IllegalArgumentException("--repo " + repo + " is not a directory");
        }
        if (nodes < 0 || nodes > MAX_NODES) {
            // Agent ports are 8090+n; more than 9 would run into the next block of defaults.
            throw new IllegalArgumentException("--nodes must be between 0 and " + MAX_NODES + ", was " + nodes);
        }
        checkPort("--kafka-port", kafkaPort);
        checkPort("--postgres-port", postgresPort);
        if (portOffset < -8000 || AGENT_PORT_BASE + MAX_NODES + portOffset > 65_535) {
            throw new IllegalArgumentException("--port-offset " + portOffset + " moves ports out of range");
        }
        if (readyTimeout.isNegative() || readyTimeout.isZero()) {
            throw new IllegalArgumentException("--ready-timeout must be positive");
        }
    }

    /** The services, then the agents, each on its (offset) HTTP port. */
    List<ComponentSpec> components() {
        List<ComponentSpec> specs = new ArrayList<>();
        for (int i = 0; i < SERVICES.size(); i++) {
            specs.add(ComponentSpec.service(SERVICES.get(i), FIRST_SERVICE_PORT + i + portOffset, repo));
        }
        for (int n = 1; n <= nodes; n++) {
            specs.add(ComponentSpec.agent(n, AGENT_PORT_BASE + n + portOffset, repo));
        }
        return specs;
    }

    /**
     * What the {@code ./tendril} commands need to find this stack: {@code " --data-dir DIR"} for a data directory
     * other than the default {@code REPO/.tendril}, else nothing.
     */
    String dataDirOption() {
        return dataDir.equals(repo.resolve(".tendril")) ? "" : " --data-dir " + dataDir;
    }

    Path logsDir() {
        return dataDir.resolve("logs");
    }

    private static void checkPort(String option, int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException(option + " must be 0 (any free port) or 1-65535, was " + port);
        }
    }
}
