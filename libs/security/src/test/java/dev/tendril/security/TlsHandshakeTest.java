package dev.tendril.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real TLS handshakes with the credentials: what every Tendril port and client relies on. */
class TlsHandshakeTest {

    @TempDir
    Path dataDir;

    @Test
    void aClientWithTheStacksCertificateIsKnownByItsCommonName() throws Exception {
        StackCredentials credentials = StackCredentials.in(dataDir.resolve("pki"));
        Instant now = Instant.now();
        Credential server = credentials.ensureService("identity", List.of("localhost", "127.0.0.1"), now);
        Credential admin = credentials.ensureUser("admin", Subject.ROLE_ADMIN, now);

        String seen = handshake(
                TlsContexts.of(credentials.authority().certificate(), server),
                TlsContexts.of(credentials.authority().certificate(), admin));

        assertThat(Subject.commonNameOf(seen)).isEqualTo("admin");
        assertThat(seen).contains("O=admin");
    }

    @Test
    void aCertificateFromAnotherAuthorityIsRefused() throws Exception {
        StackCredentials credentials = StackCredentials.in(dataDir.resolve("pki"));
        StackCredentials foreign = StackCredentials.in(dataDir.resolve("foreign"));
        Instant now = Instant.now();
        Credential server = credentials.ensureService("identity", List.of("127.0.0.1"), now);
        Credential intruder = foreign.ensureUser("admin", Subject.ROLE_ADMIN, now);

        assertThatThrownBy(() -> handshake(
                        TlsContexts.of(credentials.authority().certificate(), server),
                        TlsContexts.of(credentials.authority().certificate(), intruder)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        StackCredentials credentials = StackCredentials.in(dataDir.resolve("pki"));
        Instant now = Instant.now();
        Credential server = credentials.ensureService("identity", List.of("127.0.0.1"), now);
        Credential expired = credentials.issue(
                credentials.user("old"),
                Subject.user("old", Subject.ROLE_ADMIN),
                List.of(),
                now.minus(StackCredentials.LEAF_VALIDITY).minus(Duration.ofDays(1)));

        assertThatThrownBy(() -> handshake(
                        TlsContexts.of(credentials.authority().certificate(), server),
                        TlsContexts.of(credentials.authority().certificate(), expired)))
                .isInstanceOf(IOException.class);
    }

    /** Runs one handshake with client authentication required; returns the client's subject as the server saw it. */
    static String handshake(SSLContext serverContext, SSLContext clientContext) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket)
                serverContext.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            CompletableFuture<String> peer = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                    accepted.startHandshake();
                    String name = accepted.getSession().getPeerPrincipal().getName();
                    try (OutputStream out = accepted.getOutputStream()) {
                        out.write(1);
                    }
                    return name;
                } catch (IOException e) {
                    return "refused: " + e.getMessage();
                }
            });
            try (SSLSocket client = (SSLSocket) clientContext
                    .getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                client.startHandshake();
                try (InputStream in = client.getInputStream()) {
                    if (in.read() != 1) {
                        throw new IOException("the server closed the connection: " + peer.get(10, TimeUnit.SECONDS));
                    }
                }
            }
            return peer.get(10, TimeUnit.SECONDS);
        }
    }
}
