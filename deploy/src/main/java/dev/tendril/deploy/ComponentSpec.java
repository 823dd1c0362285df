package dev.tendril.deploy;

import dev.tendril.cli.stack.Kind;
import java.nio.file.Path;

/**
 * A service or agent the launcher runs as a child JVM.
 *
 * @param port the HTTP port (health, metrics, REST and gRPC)
 * @param jar  the Quarkus fast-jar runner
 */
record ComponentSpec(String name, Kind kind, int port, Path jar, String nodeName) {

    static ComponentSpec service(String name, int port, Path repo) {
        return new ComponentSpec(
                name, Kind.SERVICE, port, repo.resolve("services").resolve(name).resolve(StackConfig.RUNNER), null);
    }

    /** Replica {@code n} (2, ...) of a service: component {@code NAME-n}, the same jar. */
    static ComponentSpec replica(String service, int n, int port, Path repo) {
        ComponentSpec first = service(service, port, repo);
        return new ComponentSpec(service + "-" + n, Kind.SERVICE, port, first.jar(), null);
    }

    /** The service a service component runs: {@code policy} for {@code policy} and {@code policy-2}. */
    String service() {
        return jar.getParent().getParent().getParent().getFileName().toString();
    }

    static ComponentSpec agent(int n, int port, Path repo) {
        return new ComponentSpec(
                "agent-" + n, Kind.AGENT, port, repo.resolve("agent").resolve(StackConfig.RUNNER), "node-" + n);
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }
}
