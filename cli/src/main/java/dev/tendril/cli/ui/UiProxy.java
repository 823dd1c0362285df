package dev.tendril.cli.ui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tendril.security.ClientTls;
import dev.tendril.security.ReloadingHttpClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback HTTP server that forwards the service map page's requests to the flows service, presenting the user's
 * certificate there: the page ({@code GET /ui/...}), the flows it reads ({@code GET /v1/flows}, server-sent events
 * included, streamed as they come), {@code GET /v1/status} and the trace it asks ({@code POST /v1/trace}). Nothing
 * else is forwarded (404), so the user's credentials serve the page and nothing more.
 *
 * <p>Only this machine's browsers reach it (it listens on 127.0.0.1), and a web site in one of them cannot use it:
 * a request whose {@code Host} is not a loopback name is refused (a DNS rebinding attack names its own host), and a
 * {@code POST} whose {@code Origin} is another site's is refused.
 */
public final class UiProxy implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> LOOPBACK_NAMES = Set.of("127.0.0.1", "localhost", "[::1]");
    /** Request headers the page's requests need passed on; the rest (cookies, the browser's identity) stay here. */
    private static final List<String> REQUEST_HEADERS = List.of("Accept", "Content-Type", "Last-Event-ID");
    /** Response headers passed back; hop-by-hop ones and the length (the server here sets its own) are not. */
    private static final List<String> RESPONSE_HEADERS =
            List.of("Content-Type", "Cache-Control", "ETag", "Last-Modified", "Link", "Tendril-Continue");

    private final URI flows;
    private final ReloadingHttpClient http;
    private final HttpServer server;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    /**
     * @param flows the flows service's base URL ({@code https://127.0.0.1:8084})
     * @param tls   the authority that certified it and the user's certificate
     * @param port  the loopback port to listen on; 0 picks a free one
     */
    public UiProxy(URI flows, ClientTls tls, int port) throws IOException {
        this.flows = URI.create(flows.toString().replaceAll("/+$", ""));
        // Made again after a rotation: the page stays open for as long as the user keeps it.
        this.http = new ReloadingHttpClient(tls, builder -> builder.connectTimeout(Duration.ofSeconds(5)));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", this::handle);
        // One virtual thread per request: each followed stream holds one for as long as the page is open.
        server.setExecutor(workers);
        server.start();
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The page's address here. */
    public URI pageUri() {
        return URI.create("http://127.0.0.1:" + port() + "/ui/");
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            String path = exchange.getRequestURI().getRawPath();
            String host = exchange.getRequestHeaders().getFirst("Host");
            if (!loopbackHost(host)) {
                refuse(
                        exchange,
                        403,
                        "Host '" + host + "' is not this machine's loopback address: tendril ui answers"
                                + " only http://127.0.0.1:" + port() + " (or localhost)");
                return;
            }
            String origin = exchange.getRequestHeaders().getFirst("Origin");
            if (method.equals("POST") && origin != null && !origin.equals("http://" + host)) {
                refuse(
                        exchange,
                        403,
                        "Origin '" + origin + "' is another site: only the page served here may ask a trace");
                return;
            }
            if (path.equals("/") && (method.equals("GET") || method.equals("HEAD"))) {
                exchange.getResponseHeaders().add("Location", "/ui/");
                exchange.sendResponseHeaders(302, -1);
                return;
            }
            if (!forwarded(method, path)) {
                refuse(
                        exchange,
                        404,
                        method + " " + path + " is not part of the service map page: tendril ui forwards"
                                + " only /ui/, GET /v1/flows, GET /v1/status and POST /v1/trace");
                return;
            }
            forward(exchange, method);
        }
    }

    static boolean forwarded(String method, String path) {
        boolean read = method.equals("GET") || method.equals("HEAD");
        return read
                        && (path.equals("/ui")
                                || path.startsWith("/ui/")
                                || path.equals("/v1/flows")
                                || path.equals("/v1/status"))
                || method.equals("POST") && path.equals("/v1/trace");
    }

    private boolean loopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String name = host.endsWith(":" + port()) ? host.substring(0, host.length() - (":" + port()).length()) : host;
        return LOOPBACK_NAMES.contains(name.toLowerCase(Locale.ROOT));
    }

    private void forward(HttpExchange exchange, String method) throws IOException {
        URI target = URI.create(flows
                + exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null
                        ? ""
                        : "?" + exchange.getRequestURI().getRawQuery()));
        HttpRequest.Builder request = HttpRequest.newBuilder(target);
        for (String name : REQUEST_HEADERS) {
            String value = exchange.getRequestHeaders().getFirst(name);
            if (value != null) {
                request.header(name, value);
            }
        }
        if (method.equals("POST")) {
            request.POST(HttpRequest.BodyPublishers.ofByteArray(
                    exchange.getRequestBody().readAllBytes()));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<InputStream> answer;
        try {
            answer = http.current().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            refuse(exchange, 502, "the flows service at " + flows + " did not answer: " + e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try (InputStream body = answer.body()) {
            for (String name : RESPONSE_HEADERS) {
                answer.headers()
                        .allValues(name)
                        .forEach(v -> exchange.getResponseHeaders().add(name, v));
            }
            answer.headers()
                    .firstValue("Location")
                    .map(l -> l.startsWith(flows.toString())
                            ? l.substring(flows.toString().length())
                            : l)
                    .ifPresent(l -> exchange.getResponseHeaders().add("Location", l));
            boolean empty = method.equals("HEAD") || answer.statusCode() == 204 || answer.statusCode() == 304;
            exchange.sendResponseHeaders(answer.statusCode(), empty ? -1 : 0);
            if (!empty) {
                copyAsItComes(body, exchange.getResponseBody());
            }
        }
    }

    /** Each chunk on as soon as it arrived: a followed stream's events reach the page one by one. */
    private static void copyAsItComes(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
            out.flush();
        }
    }

    private static void refuse(HttpExchange exchange, int status, String detail) throws IOException {
        String title = switch (status) {
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            default -> "Bad Gateway";
        };
        ObjectNode problem = JSON.createObjectNode()
                .put("title", title)
                .put("status", status)
                .put("detail", detail);
        byte[] body = JSON.writeValueAsBytes(problem);
        exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }
}
