package dev.tendril.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A stand-in for one service's paged list ({@code limit}, {@code continue}, {@code Tendril-Continue}): {@code size}
 * items made by {@code item}, the token the next item's index, no token on the last page; every request recorded.
 */
public final class PagedService implements AutoCloseable {

    private final HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final int size;
    private final IntFunction<String> item;

    public PagedService(String path, int size, IntFunction<String> item) throws IOException {
        this.size = size;
        this.item = item;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(path, this::page);
        server.start();
    }

    /** Writes {@code dataDir/stack.json} with {@code component} served here. */
    public void stack(Path dataDir, String component) throws IOException {
        int port = server.getAddress().getPort();
        Files.writeString(dataDir.resolve("stack.json"), """
                {"launcherPid":1,"components":[{"name":"%s","kind":"service","port":%d,\
                "url":"http://127.0.0.1:%d","pid":1}]}""".formatted(component, port, port));
    }

    public List<String> requests() {
        return List.copyOf(requests);
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
        int to = query.containsKey("limit") ? Math.min(size, from + Integer.parseInt(query.get("limit"))) : size;
        String body = IntStream.range(from, to).mapToObj(item).collect(Collectors.joining(",", "[", "]"));
        if (to < size) {
            exchange.getResponseHeaders().add("Tendril-Continue", Integer.toString(to));
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
