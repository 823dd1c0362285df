package dev.tendril.cli.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tendril.cli.TendrilCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tendril get endpoints} follows the service's pages (limit, continue), printing each chunk as it comes. */
class GetEndpointsChunksTest {

    private static final int ENDPOINTS = 5;

    @TempDir
    Path dataDir;

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    /** Endpoints web-0 .. web-4 in pages; the token is the next row's index, the last page has none. */
    @BeforeEach
    void startIdentityService() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/endpoints", this::page);
        server.start();
        int port = server.getAddress().getPort();
        Files.writeString(dataDir.resolve("stack.json"), """
                {"launcherPid":1,"components":[{"name":"identity","kind":"service","port":%d,\
                "url":"http://127.0.0.1:%d","pid":1}]}""".formatted(port, port));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** Later chunks are as wide as they need (at least the headers), not as the first one: as kubectl prints. */
    @Test
    void followsThePagesAndPrintsTheHeaderOnce() {
        Result result = run("get", "endpoints", "--node", "node-1", "--chunk-size", "2");

        assertThat(result.exitCode).isZero();
        assertThat(result.out.lines().toList())
                .containsExactly(
                        "NAMESPACE   POD           IDENTITY   NODE     IPS        STATUS",
                        "shop        web-0         312        node-1   10.0.0.0   Running",
                        "shop        web-1-xxxxx   312        node-1   10.0.0.1   Running",
                        "shop        web-2   312        node-1   10.0.0.2   Running",
                        "shop        web-3   312        node-1   10.0.0.3   Running",
                        "shop        web-4   312        node-1   10.0.0.4   Running");
        assertThat(requests)
                .containsExactly(
                        "/v1/endpoints?node=node-1&limit=2",
                        "/v1/endpoints?node=node-1&limit=2&continue=2",
                        "/v1/endpoints?node=node-1&limit=2&continue=4");
    }

    @Test
    void stopsAtTheLimitAskingOnlyForWhatIsLeft() {
        Result result = run("get", "endpoints", "--limit", "3", "--chunk-size", "2");

        assertThat(result.exitCode).isZero();
        assertThat(result.out.lines()).hasSize(1 + 3);
        assertThat(requests).containsExactly("/v1/endpoints?limit=2", "/v1/endpoints?limit=1&continue=2");
    }

    @Test
    void asksForEverythingAtOnceWithChunkSizeZero() {
        Result result = run("get", "endpoints", "--chunk-size", "0");

        assertThat(result.out.lines()).hasSize(1 + ENDPOINTS);
        assertThat(requests).containsExactly("/v1/endpoints");
    }

    @Test
    void printsOneJsonArrayAcrossThePages() throws IOException {
        Result result = run("get", "endpoints", "-o", "json", "--chunk-size", "2");

        assertThat(result.exitCode).isZero();
        JsonNode json = new ObjectMapper().readTree(result.out);
        assertThat(json.isArray()).isTrue();
        assertThat(json.findValuesAsText("pod")).containsExactly("web-0", "web-1-xxxxx", "web-2", "web-3", "web-4");
        assertThat(requests).hasSize(3);
    }

    @Test
    void refusesANegativeChunkSizeOrAZeroLimit() {
        assertThat(run("get", "endpoints", "--chunk-size", "-1").err).contains("--chunk-size must be 0 or more");
        assertThat(run("get", "endpoints", "--limit", "0").err).contains("--limit must be 1 or more");
        assertThat(requests).isEmpty();
    }

    private void page(HttpExchange exchange) throws IOException {
        requests.add(exchange.getRequestURI().toString());
        Map<String, String> query = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                String[] kv = pair.split("=", 2);
                query.put(kv[0], kv[1]);
            }
        }
        int from = Integer.parseInt(query.getOrDefault("continue", "0"));
        int to = query.containsKey("limit")
                ? Math.min(ENDPOINTS, from + Integer.parseInt(query.get("limit")))
                : ENDPOINTS;
        String body = IntStream.range(from, to)
                .mapToObj(i -> """
                        {"namespace":"shop","pod":"web-%s","node":"node-1","ips":["10.0.0.%d"],"identity":312}""".formatted(i == 1 ? "1-xxxxx" : Integer.toString(i), i))
                .collect(Collectors.joining(",", "[", "]"));
        if (to < ENDPOINTS) {
            exchange.getResponseHeaders().add("Tendril-Continue", Integer.toString(to));
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        String[] withDataDir = java.util.stream.Stream.concat(
                        java.util.Arrays.stream(args), java.util.stream.Stream.of("--data-dir", dataDir.toString()))
                .toArray(String[]::new);
        int exitCode = cmd.execute(withDataDir);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private record Result(int exitCode, String out, String err) {}
}
