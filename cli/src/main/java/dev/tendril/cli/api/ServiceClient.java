package dev.tendril.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.Stack;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * JSON over HTTP to one Tendril service's admin API. A 4xx/5xx answer becomes a {@link ServiceException}
 * whose message is the problem+json title and detail on one line, which is what the CLI prints.
 */
public final class ServiceClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String name;
    private final URI base;

    /** @param name what to call the server in messages, e.g. {@code policy service} */
    public ServiceClient(String name, URI base) {
        this.name = name;
        this.base = base;
    }

    /** The client of a service named in the stack (identity, ipam, policy, flows, agent-1, ...). */
    public static ServiceClient of(Stack stack, String component) {
        Component found = stack.component(component).orElseThrow(() ->
                new ServiceException("no component '" + component + "' in the local stack"));
        String name = found.kind() == Kind.SERVICE ? component + " service" : component;
        return new ServiceClient(name, URI.create(found.url()));
    }

    public JsonNode get(String path, Map<String, String> query) {
        return send(HttpRequest.newBuilder(uri(path, query)).GET());
    }

    public JsonNode put(String path, Object body) {
        return send(HttpRequest.newBuilder(uri(path, Map.of())).PUT(jsonBody(body))
                .header("Content-Type", "application/json"));
    }

    public JsonNode post(String path, Object body) {
        return send(HttpRequest.newBuilder(uri(path, Map.of())).POST(jsonBody(body))
                .header("Content-Type", "application/json"));
    }

    /** A PUT whose body is already encoded, e.g. multi-document YAML as {@code application/yaml}. */
    public JsonNode put(String path, Map<String, String> query, String body, String contentType) {
        return send(HttpRequest.newBuilder(uri(path, query)).PUT(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", contentType));
    }

    public JsonNode delete(String path, Map<String, String> query) {
        return send(HttpRequest.newBuilder(uri(path, query)).DELETE());
    }

    private URI uri(String path, Map<String, String> query) {
        String suffix = query.isEmpty() ? "" : "?" + query.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return base.resolve(path + suffix);
    }

    /** One path segment, escaped: {@code "/v1/policies/" + segment(kind) + ...}. */
    public static String segment(String value) {
        return encode(value).replace("+", "%20");
    }

    private JsonNode send(HttpRequest.Builder request) {
        HttpRequest built = request.timeout(Duration.ofSeconds(30)).header("Accept", "application/json").build();
        HttpResponse<String> response;
        try {
            response = HTTP.send(built, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            throw new ServiceException(name + " not reachable at " + base + " (is the stack up? ./tendril up)");
        } catch (IOException e) {
            throw new ServiceException(name + " at " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceException("interrupted");
        }
        JsonNode body = parse(response.body());
        if (response.statusCode() >= 400) {
            throw new ServiceException(problem(response.statusCode(), body, response.body()), response.statusCode(),
                    body != null && body.isObject() ? body : null);
        }
        return body;
    }

    private static String problem(int status, JsonNode body, String raw) {
        if (body != null && body.hasNonNull("title")) {
            String detail = body.path("detail").asText("");
            return body.get("title").asText() + (detail.isBlank() ? "" : ": " + detail) + " (HTTP " + status + ")";
        }
        return "HTTP " + status + (raw == null || raw.isBlank() ? "" : ": " + raw.lines().findFirst().orElse(""));
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static HttpRequest.BodyPublisher jsonBody(Object body) {
        try {
            return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new ServiceException("cannot encode request: " + e.getMessage());
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
