package dev.tendril.cli.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.Stack;
import dev.tendril.security.ClientTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;

/**
 * JSON over HTTP to one Tendril service's admin API. A 4xx/5xx answer becomes a {@link ServiceException}
 * whose message is the problem+json title and detail on one line, which is what the CLI prints.
 */
public final class ServiceClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The header of a paged list's answer holding the next page's token. */
    public static final String CONTINUE_HEADER = "Tendril-Continue";
    /** One per command invocation (one process): every change it causes records it (tendril history). */
    private static final String REQUEST_ID = java.util.UUID.randomUUID().toString();

    private final String name;
    private final URI base;
    /** A second replica to try when nothing listens at {@link #base}, or null. */
    private final URI secondReplica;

    private final HttpClient http;

    /** The pause before a request whose TLS handshake the server broke off is sent again. */
    static final Duration HANDSHAKE_RETRY_PAUSE = Duration.ofMillis(200);

    /** @param name what to call the server in messages, e.g. {@code policy service} */
    public ServiceClient(String name, URI base) {
        this(name, base, null, ClientTls.PLAINTEXT);
    }

    /** @param tls the authority an https server must be certified by and the certificate this client presents */
    public ServiceClient(String name, URI base, ClientTls tls) {
        this(name, base, null, tls);
    }

    private ServiceClient(String name, URI base, URI secondReplica, ClientTls tls) {
        this.name = name;
        this.base = base;
        this.secondReplica = secondReplica;
        this.http = tls.configure(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)))
                .build();
    }

    /**
     * The client of a service named in the stack (identity, ipam, policy, flows, agent-1, ...). When the stack
     * runs a second replica ({@code NAME-2}, {@code ./tendril up --replicas 2}), a request the first refuses to
     * connect to goes to the second: nothing was sent, so even a write is safe to send there.
     */
    public static ServiceClient of(Stack stack, String component) {
        Component found = stack.component(component)
                .orElseThrow(() -> new ServiceException("no component '" + component + "' in the local stack"));
        String name = found.kind() == Kind.SERVICE ? component + " service" : component;
        URI second = found.kind() == Kind.SERVICE
                ? stack.component(component + "-2")
                        .map(c -> URI.create(c.url()))
                        .orElse(null)
                : null;
        return new ServiceClient(name, URI.create(found.url()), second, stack.tls());
    }

    public JsonNode get(String path, Map<String, String> query) {
        return send(HttpRequest.newBuilder(uri(path, query)).GET());
    }

    /** A GET whose query may repeat a parameter ({@code label=a&label=b}), in the order given. */
    public JsonNode get(String path, List<Map.Entry<String, String>> query) {
        return send(HttpRequest.newBuilder(uri(path, query)).GET());
    }

    /**
     * A GET answered with server-sent events: hands the data of each event to {@code events} until the
     * server ends the stream (or the thread is interrupted). Comments ({@code : keep-alive}) are skipped;
     * an error answer is a {@link ServiceException} as for {@link #get}.
     */
    public void events(String path, List<Map.Entry<String, String>> query, Consumer<String> events) {
        HttpRequest request = HttpRequest.newBuilder(uri(path, query))
                .GET()
                .timeout(Duration.ofSeconds(30))
                .header("Accept", "text/event-stream")
                .header("X-Request-Id", REQUEST_ID)
                .build();
        HttpResponse<Stream<String>> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceException("interrupted");
        }
        try (Stream<String> lines = response.body()) {
            if (response.statusCode() >= 400) {
                String raw = lines.collect(Collectors.joining("\n"));
                JsonNode body = parse(raw);
                throw new ServiceException(
                        problem(response.statusCode(), body, raw),
                        response.statusCode(),
                        body != null && body.isObject() ? body : null);
            }
            StringBuilder data = new StringBuilder();
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        events.accept(data.toString());
                        data.setLength(0);
                    }
                } else if (line.startsWith("data:")) {
                    String value = line.substring(5);
                    data.append(data.isEmpty() ? "" : "\n").append(value.startsWith(" ") ? value.substring(1) : value);
                }
            }
            if (!data.isEmpty()) {
                events.accept(data.toString());
            }
        } catch (UncheckedIOException e) {
            throw new ServiceException(
                    name + " at " + base + ": " + e.getCause().getMessage());
        }
    }

    public JsonNode put(String path, Object body) {
        return send(HttpRequest.newBuilder(uri(path, Map.of()))
                .PUT(jsonBody(body))
                .header("Content-Type", "application/json"));
    }

    public JsonNode post(String path, Object body) {
        return send(HttpRequest.newBuilder(uri(path, Map.of()))
                .POST(jsonBody(body))
                .header("Content-Type", "application/json"));
    }

    /** A PUT whose body is already encoded, e.g. multi-document YAML as {@code application/yaml}. */
    public JsonNode put(String path, Map<String, String> query, String body, String contentType) {
        return send(HttpRequest.newBuilder(uri(path, query))
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", contentType));
    }

    public JsonNode delete(String path, Map<String, String> query) {
        return send(HttpRequest.newBuilder(uri(path, query)).DELETE());
    }

    private URI uri(String path, Map<String, String> query) {
        return uri(path, List.copyOf(query.entrySet()));
    }

    private URI uri(String path, List<Map.Entry<String, String>> query) {
        String suffix = query.isEmpty()
                ? ""
                : "?"
                        + query.stream()
                                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                                .collect(Collectors.joining("&"));
        return base.resolve(path + suffix);
    }

    /** One path segment, escaped: {@code "/v1/policies/" + segment(kind) + ...}. */
    public static String segment(String value) {
        return encode(value).replace("+", "%20");
    }

    /**
     * One page of a list served in pages ({@code limit}, {@code continue}): the items, and the token of the next page
     * from the {@code Tendril-Continue} header, absent on the last page (or from a service that does not page).
     */
    public record ListPage(JsonNode items, Optional<String> next) {}

    /** A GET of one page of a paged list; an error answer is a {@link ServiceException} as for {@link #get}. */
    public ListPage getPage(String path, List<Map.Entry<String, String>> query) {
        HttpResponse<String> response =
                exchange(HttpRequest.newBuilder(uri(path, query)).GET());
        return new ListPage(
                checked(response),
                response.headers().firstValue(CONTINUE_HEADER).filter(t -> !t.isEmpty()));
    }

    private JsonNode send(HttpRequest.Builder request) {
        return checked(exchange(request));
    }

    private HttpResponse<String> exchange(HttpRequest.Builder request) {
        HttpRequest built = request.timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json")
                .header("X-Request-Id", REQUEST_ID)
                .build();
        HttpResponse<String> response;
        try {
            try {
                response = sendOnceMoreIfTheHandshakeBrokeOff(built);
            } catch (ConnectException e) {
                if (secondReplica == null) {
                    throw e;
                }
                String query = built.uri().getRawQuery();
                URI other = URI.create(secondReplica.toString().replaceAll("/+$", "")
                        + built.uri().getRawPath()
                        + (query == null ? "" : "?" + query));
                response = sendOnceMoreIfTheHandshakeBrokeOff(
                        HttpRequest.newBuilder(built, (k, v) -> true).uri(other).build());
            }
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceException("interrupted");
        }
        return response;
    }

    /**
     * Sends {@code request}, and once more when the server broke off the TLS handshake: a service swapping its
     * certificate (it reloads its files, after {@code tendril credentials rotate}) can drop a connection it is
     * accepting. No byte of the request goes out before the handshake ends, so sending it again is safe whatever the
     * method, a write included. A second refusal (a certificate the server does not accept, say) is the answer.
     */
    private HttpResponse<String> sendOnceMoreIfTheHandshakeBrokeOff(HttpRequest request)
            throws IOException, InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (SSLHandshakeException brokenOff) {
            Thread.sleep(HANDSHAKE_RETRY_PAUSE.toMillis());
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    private JsonNode checked(HttpResponse<String> response) {
        JsonNode body = parse(response.body());
        if (response.statusCode() >= 400) {
            throw new ServiceException(
                    problem(response.statusCode(), body, response.body()),
                    response.statusCode(),
                    body != null && body.isObject() ? body : null);
        }
        return body;
    }

    private ServiceException unreachable(IOException e) {
        return e instanceof ConnectException
                ? new ServiceException(name + " not reachable at " + base + " (is the stack up? ./tendril up)")
                : new ServiceException(name + " at " + base + ": " + e.getMessage());
    }

    private static String problem(int status, JsonNode body, String raw) {
        if (body != null && body.hasNonNull("title")) {
            String detail = body.path("detail").asText("");
            return body.get("title").asText() + (detail.isBlank() ? "" : ": " + detail) + " (HTTP " + status + ")";
        }
        return "HTTP " + status
                + (raw == null || raw.isBlank()
                        ? ""
                        : ": " + raw.lines().findFirst().orElse(""));
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
