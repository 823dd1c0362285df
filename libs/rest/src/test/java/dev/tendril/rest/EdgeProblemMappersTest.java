package dev.tendril.rest;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 12 item 4: with PostgreSQL down a write answered 500 text/plain. An outage of a dependency is
 * a 503 problem saying nothing changed; only a genuine bug is a 500, and neither echoes the exception.
 */
class EdgeProblemMappersTest {

    private record Case(String name, Throwable thrown, int status) {}

    @TestFactory
    Stream<DynamicTest> outagesAre503AndBugsAre500() {
        return Stream.of(
                        new Case(
                                "connection refused (SQLState 08001)",
                                new IllegalStateException(
                                        "append failed", new SQLException("Connection refused", "08001")),
                                503),
                        new Case("admin shutdown (57P01)", new SQLException("terminating connection", "57P01"), 503),
                        new Case(
                                "pool acquisition timeout",
                                new RuntimeException(
                                        new SQLException("Acquisition timeout while waiting for new connection")),
                                503),
                        new Case("transient connection failure", new SQLTransientConnectionException("gone"), 503),
                        new Case(
                                "connect refused to another service",
                                new java.net.ConnectException("Connection refused"),
                                503),
                        new Case(
                                "a constraint violation is no outage (23505)",
                                new SQLException("duplicate key value violates unique constraint", "23505"),
                                500),
                        new Case("a plain bug", new NullPointerException("label value is null"), 500))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> {
                    Response response = new EdgeProblemMappers().unexpected(c.thrown());
                    assertThat(response.getStatus()).isEqualTo(c.status());
                    assertThat(response.getMediaType().toString()).isEqualTo(Problem.MEDIA_TYPE);
                    Problem problem = (Problem) response.getEntity();
                    assertThat(problem.status()).isEqualTo(c.status());
                    assertThat(problem.detail())
                            .doesNotContain(
                                    c.thrown().getMessage() == null
                                            ? "\u0000"
                                            : c.thrown().getMessage());
                    if (c.status() == 503) {
                        assertThat(problem.detail()).contains("unavailable").contains("nothing was changed");
                    }
                }));
    }

    @TestFactory
    Stream<DynamicTest> problemTextsAreBoundedAndClean() {
        return Stream.of(
                DynamicTest.dynamicTest("a 10 MB detail is cut", () -> {
                    Problem problem = Problem.of(400, null, "x".repeat(10_000_000), "labels.app", null);
                    assertThat(problem.detail().length()).isLessThan(Problem.MAX_DETAIL + 64);
                    assertThat(problem.title()).isEqualTo("Invalid input");
                }),
                DynamicTest.dynamicTest(
                        "control characters are replaced",
                        () -> assertThat(Problem.of(400, null, "a\u0000b", "f\u0001", null)
                                        .detail())
                                .isEqualTo("a\uFFFDb")),
                DynamicTest.dynamicTest(
                        "the type names the title",
                        () -> assertThat(Problem.of(503, null, "d", null, null).type())
                                .isEqualTo("https://tendril.dev/problems/service-unavailable")));
    }
}
