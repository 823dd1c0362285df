package dev.tendril.cli.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tendril.cli.FakeService;
import dev.tendril.cli.FakeService.Response;
import dev.tendril.cli.TendrilCommand;
import dev.tendril.security.ClientTls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tendril ui}: the page's requests reach the flows service as the browser sent them (the followed stream event
 * by event), and nothing else does: other paths, another site's trace request and a host name that is not this
 * machine's loopback (DNS rebinding) are refused before anything is forwarded.
 */
class UiCommandTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dataDir;

    private static HttpResponse<String> send(UiProxy proxy, String method, String path, String body, String origin)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path));
        if (origin != null) {
            request.header("Origin", origin);
        }
        request.header("Accept", "application/json");
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void thePagesRequestsReachTheFlowsServiceAsSentAndItsAnswersComeBack() throws Exception {
        try (FakeService flows = new FakeService(r -> r.uri().startsWith("/v1/trace")
                        ? Response.problem(404, "no endpoint demo/gone")
                        : Response.ok("{\"asked\":\"" + r.uri() + "\"}"));
                UiProxy proxy =
                        new UiProxy(URI.create("http://127.0.0.1:" + flows.port() + "/"), ClientTls.PLAINTEXT, 0)) {
            HttpResponse<String> list =
                    send(proxy, "GET", "/v1/flows?namespace=demo&namespace=shop&last=2000", null, null);
            HttpResponse<String> trace =
                    send(proxy, "POST", "/v1/trace", "{\"from\":{\"identity\":2}}", "http://127.0.0.1:" + proxy.port());
            HttpResponse<String> page = send(proxy, "GET", "/ui/?namespace=demo", null, null);
            HttpResponse<String> root = send(proxy, "GET", "/", null, null);

            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(list.body()).isEqualTo("{\"asked\":\"/v1/flows?namespace=demo&namespace=shop&last=2000\"}");
            assertThat(trace.statusCode()).isEqualTo(404);
            assertThat(trace.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(trace.body()).contains("no endpoint demo/gone");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(root.statusCode()).isEqualTo(302);
            assertThat(root.headers().firstValue("Location")).hasValue("/ui/");
            assertThat(flows.requests())
                    .extracting(FakeService.Request::toString)
                    .containsExactly(
                            "GET /v1/flows?namespace=demo&namespace=shop&last=2000",
                            "POST /v1/trace",
                            "GET /ui/?namespace=demo");
            assertThat(flows.requests().get(1).body()).isEqualTo("{\"from\":{\"identity\":2}}");
            assertThat(flows.requests().get(1).contentType()).isEqualTo("application/json");
        }
    }

    @Test
    void aFollowedStreamReachesThePageEventByEvent() throws Exception {
        CountDownLatch firstRead = new CountDownLatch(1);
        HttpServer flows = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        flows.createContext("/v1/flows", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write("data: {\"flow\":1}\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            try {
                // The second event only once the page has the first: a proxy that buffers would wait forever.
                firstRead.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write("data: {\"flow\":2}\n\n".getBytes(StandardCharsets.UTF_8));
            exchange.close();
        });
        flows.start();
        try (UiProxy proxy =
                new UiProxy(URI.create("http://127.0.0.1:" + flows.getAddress().getPort()), ClientTls.PLAINTEXT, 0)) {
            HttpResponse<InputStream> stream = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/v1/flows?follow=true"))
                            .header("Accept", "text/event-stream")
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                assertThat(lines.readLine()).isEqualTo("data: {\"flow\":1}");
                firstRead.countDown();
                assertThat(lines.readLine()).isEmpty();
                assertThat(lines.readLine()).isEqualTo("data: {\"flow\":2}");
            }
        } finally {
            flows.stop(0);
        }
    }

    @Test
    void anythingButThePagesRequestsIsRefusedAndNothingIsForwarded() throws Exception {
        try (FakeService flows = new FakeService(r -> Response.ok("{}"));
                UiProxy proxy = new UiProxy(URI.create("http://127.0.0.1:" + flows.port()), ClientTls.PLAINTEXT, 0)) {
            HttpResponse<String> otherPath = send(proxy, "GET", "/q/metrics", null, null);
            HttpResponse<String> write = send(proxy, "DELETE", "/v1/flows", null, null);
            HttpResponse<String> otherSite = send(proxy, "POST", "/v1/trace", "{}", "https://evil.example");

            assertThat(otherPath.statusCode()).isEqualTo(404);
            assertThat(otherPath.body()).contains("GET /q/metrics is not part of the service map page");
            assertThat(write.statusCode()).isEqualTo(404);
            assertThat(otherSite.statusCode()).isEqualTo(403);
            assertThat(otherSite.body()).contains("Origin 'https://evil.example' is another site");
            assertThat(rawGet(proxy.port(), "evil.example:" + proxy.port(), "/v1/flows"))
                    .startsWith("HTTP/1.1 403")
                    .contains("Host 'evil.example:" + proxy.port() + "' is not this machine's loopback address");
            assertThat(rawGet(proxy.port(), "localhost:" + proxy.port(), "/v1/status"))
                    .startsWith("HTTP/1.1 200");
            assertThat(flows.requests())
                    .extracting(FakeService.Request::toString)
                    .containsExactly("GET /v1/status");
        }
    }

    /** A GET with a Host header of the test's choosing (java.net.http will not send another host's name). */
    private static String rawGet(int port, String host, String path) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.getOutputStream()
                    .write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theCommandPrintsThePagesAddressWithTheNamespacesAndServesUntilStopped() throws Exception {
        try (FakeService flows = new FakeService(r -> Response.ok("{\"cluster\":\"default\"}"))) {
            flows.stack(dataDir, "flows");
            UiCommand command = new UiCommand();
            StringWriter out = new StringWriter();
            CommandLine cli = new CommandLine(command);
            cli.setOut(new PrintWriter(out, true));
            int[] code = {-1};
            Thread running = Thread.ofVirtual()
                    .start(() -> code[0] =
                            cli.execute("--port", "0", "--namespace", "demo,shop", "--data-dir", dataDir.toString()));
            String printed = awaitLine(out);
            assertThat(printed)
                    .matches("Service map of http://127\\.0\\.0\\.1:" + flows.port()
                            + " at http://127\\.0\\.0\\.1:\\d+/ui/\\?namespace=demo%2Cshop");
            int port = Integer.parseInt(printed.replaceAll(".* at http://127\\.0\\.0\\.1:(\\d+)/ui/.*", "$1"));
            assertThat(rawGet(port, "127.0.0.1:" + port, "/v1/status")).startsWith("HTTP/1.1 200");

            command.stop();
            running.join(10_000);
            assertThat(code[0]).isZero();
        }
    }

    @Test
    void aPortOutOfRangeIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = TendrilCommand.commandLine();
        cli.setErr(new PrintWriter(err, true));

        assertThat(cli.execute("ui", "--port", "70000", "--data-dir", dataDir.toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--port must be 0..65535, not 70000");
    }

    private static String awaitLine(StringWriter out) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            String text = out.toString();
            if (text.contains("\n")) {
                return text.substring(0, text.indexOf('\n'));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("tendril ui printed nothing: " + out);
    }
}
