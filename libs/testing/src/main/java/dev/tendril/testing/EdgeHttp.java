package dev.tendril.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The edge tests' view of a running service: raw HTTP to {@code test.url}, what a problem+json refusal
 * must look like, and the event count a refusal must leave unchanged. Shared by
 * {@link RestEdgeContractTest} (fixed cases) and {@link SchemaFuzzTest} (generated ones).
 */
public final class EdgeHttp {

    /** An error body never grows with the input: a 2 MiB value must not come back. */
    public static final int MAX_PROBLEM_BYTES = 8 * 1024;

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private EdgeHttp() {}

    /** The running test application, as Quarkus publishes it ({@code test.url}). */
    public static URI base() {
        return URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
    }

    /** Sends {@code body} (null: none) with {@code contentType} (null: no header) to {@code pathAndQuery}, already encoded. */
    public static HttpResponse<String> send(String method, String pathAndQuery, String contentType, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base() + pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * What is wrong with {@code response} as a refusal, or null: it must be application/problem+json, under
     * {@link #MAX_PROBLEM_BYTES}, with its own status, a title and a detail, and never echo a NUL.
     */
    public static String problemViolation(HttpResponse<String> response) {
        String body = response.body();
        String type = response.headers().firstValue("content-type").orElse("");
        if (!type.startsWith("application/problem+json")) {
            return "content type '" + type + "', not application/problem+json: " + cut(body);
        }
        if (body.length() > MAX_PROBLEM_BYTES) {
            return "problem body of " + body.length() + " bytes";
        }
        JsonNode problem;
        try {
            problem = JSON.readTree(body);
        } catch (IOException e) {
            return "problem body is not JSON: " + cut(body);
        }
        if (problem.path("status").asInt() != response.statusCode()) {
            return "problem status " + problem.path("status") + " for a " + response.statusCode() + ": " + cut(body);
        }
        if (problem.path("title").asText("").isBlank()) {
            return "no title: " + cut(body);
        }
        if (problem.path("detail").asText("").isBlank()) {
            return "no detail: " + cut(body);
        }
        // A NUL in a decoded text, not the six characters a message may use to show one.
        if (containsNul(problem)) {
            return "a NUL echoed back: " + cut(body);
        }
        return null;
    }

    private static boolean containsNul(JsonNode node) {
        if (node.isTextual()) {
            return node.asText().indexOf('\u0000') >= 0;
        }
        for (JsonNode child : node) {
            if (containsNul(child)) {
                return true;
            }
        }
        return false;
    }

    /** The field a problem names, or null. */
    public static String problemField(HttpResponse<String> response) {
        try {
            JsonNode field = JSON.readTree(response.body()).path("field");
            return field.isTextual() ? field.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Rows in {@code schema.events}; 0 when {@code schema} is null (a service without an event store). */
    public static long eventCount(String schema) {
        if (schema == null) {
            return 0;
        }
        try (Connection connection = SharedInfrastructure.postgres()
                        .dataSource(PostgresTestResource.DATABASE)
                        .getConnection();
                Statement count = connection.createStatement();
                ResultSet row = count.executeQuery("SELECT count(*) FROM " + schema + ".events")) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw new UncheckedIOException(new IOException("cannot count " + schema + ".events", e));
        }
    }

    static String cut(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "... (" + text.length() + " chars)";
    }
}
