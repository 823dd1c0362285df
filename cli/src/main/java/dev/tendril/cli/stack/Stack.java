package dev.tendril.cli.stack;

import dev.tendril.security.ClientTls;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The components of a local stack.
 *
 * @param source the {@code stack.json} it was read from, or empty when these are the default ports
 * @param tls    how clients reach it: the authority they trust and the certificate they present, or plaintext
 */
public record Stack(Optional<Path> source, List<Component> components, ClientTls tls) {

    /** A stack spoken to in plaintext, without a client certificate. */
    public Stack(Optional<Path> source, List<Component> components) {
        this(source, components, ClientTls.PLAINTEXT);
    }

    /** The same components, reached with {@code tls} (the config file's authority and client certificate). */
    public Stack withTls(ClientTls tls) {
        return new Stack(source, components, tls);
    }

    /** The local defaults (DESIGN.md "Ports"), for when no launcher has written {@code stack.json}. */
    public static final Stack DEFAULT = new Stack(
            Optional.empty(),
            List.of(
                    new Component("postgres", Kind.POSTGRES, 5432, null, null, null),
                    new Component("kafka", Kind.KAFKA, 9092, null, null, null),
                    Component.service("identity", 8081),
                    Component.service("ipam", 8082),
                    Component.service("policy", 8083),
                    Component.service("flows", 8084),
                    Component.agent("agent-1", 8091),
                    Component.agent("agent-2", 8092)));

    /** The stack the launcher describes in {@code dataDir/stack.json}; the defaults when there is no such file. */
    public static Stack load(Path dataDir) {
        return StackFile.read(dataDir)
                .map(file -> {
                    if (file.components().isEmpty()) {
                        throw new IllegalArgumentException(dataDir.resolve(StackFile.NAME) + " lists no components");
                    }
                    return new Stack(Optional.of(dataDir.resolve(StackFile.NAME)), file.components());
                })
                .orElse(DEFAULT);
    }

    /** The component named {@code name}, e.g. to find the URL of the identity service. */
    public Optional<Component> component(String name) {
        return components.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
