package dev.tendril.policy.domain;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The policy domain (compiler, selector cache, engine) stays pure Java: no framework, messaging, RPC or
 * JDBC types. The {@code parse} subpackage reads YAML and is outside this rule.
 */
class DomainPurityTest {

    private static final List<String> FORBIDDEN = List.of("io.quarkus", "jakarta.", "javax.", "org.apache.kafka",
            "io.grpc", "com.google.protobuf", "io.vertx", "java.sql", "io.smallrye", "org.eclipse.microprofile",
            "com.fasterxml", "dev.tendril.api", "dev.tendril.eventstore", "dev.tendril.policy.adapters");

    @Test
    void domainImportsNoFrameworkTypes() throws IOException {
        Path domain = Path.of("src/main/java/dev/tendril/policy/domain");
        assertThat(domain).isDirectory();
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.list(domain)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    String trimmed = line.strip();
                    if (trimmed.startsWith("import ")) {
                        String imported = trimmed.substring(7).replace("static ", "");
                        FORBIDDEN.stream().filter(imported::startsWith)
                                .forEach(f -> violations.add(file.getFileName() + ": " + trimmed));
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
