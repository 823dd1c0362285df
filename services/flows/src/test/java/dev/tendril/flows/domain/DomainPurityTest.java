package dev.tendril.flows.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The domain stays framework-free: no Quarkus, Jakarta, Kafka, gRPC, protobuf, Vert.x, JDBC or Jackson. */
class DomainPurityTest {

    private static final List<String> FORBIDDEN = List.of("io.quarkus", "jakarta.", "javax.", "org.apache.kafka",
            "io.grpc", "com.google.protobuf", "io.vertx", "java.sql", "com.fasterxml", "io.smallrye",
            "dev.tendril.eventstore.quarkus", "dev.tendril.api", "dev.tendril.flows.adapters");

    @Test
    void domainImportsNoFrameworkOrInfrastructure() throws IOException {
        Path domain = Path.of("src/main/java/dev/tendril/flows/domain");
        assertThat(domain).isDirectory();
        try (Stream<Path> files = Files.walk(domain)) {
            List<String> violations = files.filter(p -> p.toString().endsWith(".java")).flatMap(file -> {
                try {
                    return Files.readAllLines(file).stream()
                            .filter(line -> line.startsWith("import "))
                            .filter(line -> FORBIDDEN.stream().anyMatch(f -> line.contains(" " + f)
                                    || line.contains("static " + f)))
                            .map(line -> file.getFileName() + ": " + line);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
            assertThat(violations).isEmpty();
        }
    }
}
