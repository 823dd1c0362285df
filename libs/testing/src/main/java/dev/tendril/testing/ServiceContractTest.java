package dev.tendril.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * What every event-sourced Tendril service must do once started against real PostgreSQL and Kafka:
 * be ready with its database, own its schema with the event store in it, publish through its outbox
 * relay, and serve metrics and OpenAPI. Each service's test extends it under {@code @QuarkusTest}
 * with {@link PostgresTestResource} and {@link KafkaTestResource}.
 */
public abstract class ServiceContractTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** The service's name: its schema, its relay and its event topic {@code tendril.<name>.events}. */
    protected abstract String serviceName();

    @Test
    void isReadyWithItsDatabase() throws Exception {
        HttpResponse<String> ready = get("/q/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        String body = compact(ready.body());
        assertTrue(body.contains("\"status\":\"UP\""), body);
        assertTrue(body.contains("Databaseconnectionshealthcheck"), body);
    }

    @Test
    void keepsItsEventStoreInItsOwnSchema() throws SQLException {
        PostgresServer postgres = SharedInfrastructure.postgres();
        try (Connection connection =
                        postgres.dataSource(PostgresTestResource.DATABASE).getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT to_regclass(? || '.events') IS NOT NULL AND to_regclass(? || '.outbox_cursors') IS NOT NULL")) {
            select.setString(1, serviceName());
            select.setString(2, serviceName());
            try (ResultSet row = select.executeQuery()) {
                row.next();
                assertTrue(row.getBoolean(1), "schema " + serviceName() + " has no event store tables");
            }
        }
    }

    @Test
    void publishesThroughItsOutboxRelay() throws Exception {
        String body = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            body = compact(get("/q/health/well").body());
            if (body.contains("\"state\":\"PUBLISHING\"")) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("outbox relay of " + serviceName() + " never reached PUBLISHING: " + body);
    }

    @Test
    void servesMetricsAndOpenApi() throws Exception {
        HttpResponse<String> metrics = get("/q/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(
                metrics.body().contains("tendril_outbox_published_total{relay=\"" + serviceName() + "\""),
                "relay metrics missing");
        assertEquals(200, get("/q/openapi").statusCode());
    }

    protected static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        String base = ConfigProvider.getConfig().getValue("test.url", String.class);
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String compact(String json) {
        return json.replaceAll("\\s", "");
    }
}
