package dev.tendril.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import picocli.CommandLine;

/**
 * A stand-in for the Tendril services at the CLI's unit level: one local HTTP server that records every request
 * and answers with what a test's route returns. {@link #stack} writes a {@code stack.json} that points the named
 * components at it.
 */
public final class FakeService implements AutoCloseable {

    /** A request as the server saw it. */
    public record Request(String method, String uri, String contentType, String body) {
        @Override
        public String toString() {
            return method + " " + uri;
        }
    }

    /** An answer: status and JSON body (a 4xx/5xx one is sent as problem+json). */
    public record Response(int status, String body) {
        public static Response ok(String body) {
            return new Response(200, body);
        }

        public static Response problem(int status, String detail) {
            return new Response(status, """
                    {"title":"%s","status":%d,"detail":"%s"}""".formatted(status == 404 ? "Not Found" : "Bad Request", status, detail));
        }
    }

    private final HttpServer server;
    private final ExecutorService workers = Executors.newCachedThreadPool();
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    public FakeService(Function<Request, Response> routes) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            Request request = new Request(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            requests.add(request);
            Response response;
            try {
                response = routes.apply(request);
            } catch (RuntimeException e) {
                response = new Response(500, "{\"title\":\"Test route failed\",\"detail\":\"" + e + "\"}");
            }
            respond(exchange, response);
        });
        // Handlers on a pool: a command that sends requests concurrently (connectivity matrix) gets them served so.
        server.setExecutor(workers);
        server.start();
    }

    private static void respond(HttpExchange exchange, Response response) throws IOException {
        if (response.body() == null || response.body().isEmpty()) {
            exchange.sendResponseHeaders(response.status(), -1);
            exchange.close();
            return;
        }
        byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders()
                .add("Content-Type", response.status() >= 400 ? "application/problem+json" : "application/json");
        exchange.sendResponseHeaders(response.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Writes {@code dataDir/stack.json} with each of {@code components} served by this server. */
    public void stack(Path dataDir, String... components) throws IOException {
        StringBuilder json = new StringBuilder("{\"launcherPid\":1,\"components\":[");
        for (int i = 0; i < components.length; i++) {
            json.append(i == 0 ? "" : ",").append("""
                    {"name":"%s","kind":"service","port":%d,"url":"http://127.0.0.1:%d","pid":1}""".formatted(components[i], port(), port()));
        }
        Files.writeString(dataDir.resolve("stack.json"), json.append("]}").toString());
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }

    /** What a command printed and returned. */
    public record Result(int exitCode, String out, String err) {}

    /** Runs {@code tendril args...} in-process, with {@code stdin} as standard input when not null. */
    public static Result run(InputStream stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        InputStream original = System.in;
        if (stdin != null) {
            System.setIn(stdin);
        }
        try {
            int exitCode = cmd.execute(args);
            return new Result(exitCode, out.toString(), err.toString());
        } finally {
            System.setIn(original);
        }
    }
}
