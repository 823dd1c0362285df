package dev.tendril.ipam.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The domain stays pure: no framework, messaging, RPC, serialization or JDBC types. */
class DomainPurityTest {

    private static final List<String> FORBIDDEN = List.of("io.quarkus", "jakarta.", "javax.", "org.apache.kafka",
            "io.grpc", "com.google.protobuf", "io.vertx", "java.sql", "io.smallrye", "org.eclipse.microprofile",
            "com.fasterxml", "dev.tendril.api", "dev.tendril.ipam.adapters", "dev.tendril.ipam.app");

    @Test
    void domainImportsNoFrameworkTypes() throws IOException {
        Path domain = Path.of("src/main/java/dev/tendril/ipam/domain");
        assertThat(domain).isDirectory();
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(domain)) {
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
