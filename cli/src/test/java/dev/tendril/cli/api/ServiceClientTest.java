package dev.tendril.cli.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.cli.FakeService;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Stack;
import dev.tendril.security.ClientTls;
import dev.tendril.security.Credential;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.Subject;
import dev.tendril.security.TlsContexts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceClientTest {

    /** A loopback port nothing listens on (bound once, then closed). */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void sendsToTheSecondReplicaWhenNothingListensAtTheFirst() throws IOException {
        try (FakeService second = new FakeService(r -> FakeService.Response.ok("[]"))) {
            Stack stack = new Stack(
                    Optional.empty(),
                    List.of(Component.service("policy", closedPort()), Component.service("policy-2", second.port())));

            ServiceClient.of(stack, "policy").get("/v1/policies", Map.of("namespace", "demo"));
            ServiceClient.of(stack, "policy").put("/v1/policies", Map.of(), "kind: List", "application/yaml");

            assertThat(second.requests())
                    .extracting(FakeService.Request::toString)
                    .containsExactly("GET /v1/policies?namespace=demo", "PUT /v1/policies");
            assertThat(second.requests().get(1).body()).isEqualTo("kind: List");
        }
    }

    @Test
    void talksToTheFirstReplicaWhileItAnswersAndNamesItWhenNoneDoes() throws IOException {
        try (FakeService first = new FakeService(r -> FakeService.Response.ok("{}"));
                FakeService second = new FakeService(r -> FakeService.Response.ok("{}"))) {
            Stack stack = new Stack(
                    Optional.empty(),
                    List.of(Component.service("policy", first.port()), Component.service("policy-2", second.port())));
            ServiceClient.of(stack, "policy").get("/v1/selectors", Map.of());
            assertThat(first.requests()).hasSize(1);
            assertThat(second.requests()).isEmpty();
        }
        int port = closedPort();
        Stack alone = new Stack(Optional.empty(), List.of(Component.service("policy", port)));
        assertThatThrownBy(() -> ServiceClient.of(alone, "policy").get("/v1/selectors", Map.of()))
                .hasMessage("policy service not reachable at http://127.0.0.1:" + port
                        + " (is the stack up? ./tendril up)");
    }

    @Test
    void aWriteWhoseHandshakeTheServerBrokeOffIsSentOnceMoreAndArrivesOnce(@TempDir Path dir) throws Exception {
        StackCredentials pki = StackCredentials.in(dir.resolve("pki"));
        Instant now = Instant.now();
        pki.ensureAuthority(now);
        Credential server = pki.ensureService("identity", List.of("127.0.0.1"), now);
        Credential admin = pki.ensureUser("admin", Subject.ROLE_ADMIN, now);
        SSLContext serverContext = TlsContexts.of(pki.authority().certificate(), server);
        List<String> requests = new CopyOnWriteArrayList<>();
        AtomicInteger accepted = new AtomicInteger();
        try (ServerSocket listener = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread serving = Thread.ofVirtual().start(() -> {
                while (!listener.isClosed()) {
                    try (Socket raw = listener.accept()) {
                        if (accepted.incrementAndGet() == 1) {
                            continue; // closed before the handshake, as a server swapping its certificate may
                        }
                        SSLSocket tls = (SSLSocket) serverContext
                                .getSocketFactory()
                                .createSocket(raw, raw.getInetAddress().getHostAddress(), raw.getPort(), false);
                        tls.setUseClientMode(false);
                        tls.setNeedClientAuth(true);
                        BufferedReader in =
                                new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.UTF_8));
                        String requestLine = in.readLine();
                        int length = 0;
                        for (String header = in.readLine();
                                header != null && !header.isEmpty();
                                header = in.readLine()) {
                            if (header.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                                length = Integer.parseInt(header.substring(15).trim());
                            }
                        }
                        char[] body = new char[length];
                        int read = 0;
                        while (read < length) {
                            read += in.read(body, read, length - read);
                        }
                        requests.add(requestLine + " " + new String(body));
                        OutputStream out = tls.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                                        + "Connection: close\r\n\r\n{}")
                                .getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    } catch (IOException closed) {
                        // the listener closed at the end of the test, or a client went away
                    }
                }
            });
            ServiceClient client = new ServiceClient(
                    "identity service",
                    URI.create("https://127.0.0.1:" + listener.getLocalPort()),
                    ClientTls.files(pki.authority().certificate(), admin));

            client.put("/v1/namespaces/rot-1", Map.of(), "{\"name\":\"rot-1\"}", "application/json");

            assertThat(accepted.get())
                    .as("connections: the broken-off one and the one that carried the request")
                    .isEqualTo(2);
            assertThat(requests).containsExactly("PUT /v1/namespaces/rot-1 HTTP/1.1 {\"name\":\"rot-1\"}");
            listener.close();
            serving.join();
        }
    }
}
