package dev.tendril.deploy;

import dev.tendril.cli.stack.Kind;
import java.nio.file.Path;

/**
 * A service or agent the launcher runs as a child JVM.
 *
 * @param port the HTTP port (health, metrics, REST and gRPC)
 * @param jar  the Quarkus fast-jar runner
 * @param host where clients reach it (the bind address, or loopback)
 */
record ComponentSpec(String name, Kind kind, int port, Path jar, String nodeName, String host) {

    /** On loopback. */
    ComponentSpec(String name, Kind kind, int port, Path jar, String nodeName) {
        this(name, kind, port, jar, nodeName, StackConfig.DEFAULT_BIND);
    }

    /** The same component, reached at {@code host}. */
    ComponentSpec at(String host) {
        return new ComponentSpec(name, kind, port, jar, nodeName, host);
    }

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

    /** The nodes of the agents among {@code specs}. */
    static java.util.List<String> nodeNames(java.util.List<ComponentSpec> specs) {
        return specs.stream()
                .filter(s -> s.kind() == Kind.AGENT)
                .map(ComponentSpec::nodeName)
                .toList();
    }

    /** {@code https://HOST:PORT}: the launcher always runs its services and agents with TLS. */
    String url() {
        return "https://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The component as stack.json lists it before it has a pid, logging to {@code logs/<name>.log}. */
    dev.tendril.cli.stack.Component component(Path logs) {
        return new dev.tendril.cli.stack.Component(
                name(),
                kind(),
                port(),
                url(),
                null,
                logs.resolve(name() + ".log").toString(),
                nodeName());
    }
}
