package dev.tendril.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;

/**
 * Whether Testcontainers can reach a Docker engine, asked once per JVM. Testcontainers' own search decides (DOCKER_HOST,
 * the default socket, Docker Desktop, ~/.testcontainers.properties), so the profile runs wherever Testcontainers does;
 * the reason only names the two places most machines have one.
 */
final class DockerEngine {

    static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");

    private static Optional<String> absence;

    private DockerEngine() {}

    /** Empty when a Docker engine answers; otherwise why the container path cannot run, printed once. */
    static synchronized Optional<String> absence() {
        if (absence == null) {
            absence = DockerClientFactory.instance().isDockerAvailable()
                    ? Optional.empty()
                    : Optional.of(reason(System.getenv("DOCKER_HOST"), Files.exists(DEFAULT_SOCKET)));
            absence.ifPresent(TestSkips::print);
        }
        return absence;
    }

    static String reason(String dockerHost, boolean defaultSocketExists) {
        String host = dockerHost == null || dockerHost.isBlank()
                ? "DOCKER_HOST unset"
                : "DOCKER_HOST=" + dockerHost + " does not answer";
        String socket = DEFAULT_SOCKET + (defaultSocketExists ? " does not answer" : " missing");
        return TestSkips.PREFIX + "no Docker engine (" + host + ", " + socket + "): integration tests skipped";
    }
}
