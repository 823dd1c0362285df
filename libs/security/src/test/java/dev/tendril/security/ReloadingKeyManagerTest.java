package dev.tendril.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server built once with {@link TlsContexts#reloading} presents a rotated certificate to its next connection. */
class ReloadingKeyManagerTest {

    @TempDir
    Path dir;

    private StackCredentials credentials;
    private Instant now;
    private Credential launcher;
    private Credential admin;
    private Path authority;
    private BigInteger first;

    @BeforeEach
    void issueTheLauncherAndTheAdmin() {
        credentials = StackCredentials.in(dir.resolve("pki"));
        now = Instant.now();
        launcher = credentials.ensureService("launcher", List.of("127.0.0.1"), now);
        admin = credentials.ensureUser("admin", Subject.ROLE_ADMIN, now);
        authority = credentials.authority().certificate();
        first = Pem.readCertificate(launcher.certificate()).getSerialNumber();
    }

    @Test
    void theNextHandshakeAfterARotationPresentsTheNewCertificateWithoutRebuildingTheServer() throws Exception {
        SSLContext server = TlsContexts.reloading(authority, launcher);
        try (SSLServerSocket listener = (SSLServerSocket)
                server.getServerSocketFactory().createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            // A new client context per connection: a resumed session would show the certificate of its first handshake.
            assertThat(servedSerial(listener, TlsContexts.of(authority, admin))).isEqualTo(first);

            credentials.issue(launcher, Subject.service("launcher"), List.of("127.0.0.1"), now.plusSeconds(60));
            BigInteger second = Pem.readCertificate(launcher.certificate()).getSerialNumber();
            assertThat(second).isNotEqualTo(first);

            assertThat(servedSerial(listener, TlsContexts.of(authority, admin)))
                    .as("after the rotation")
                    .isEqualTo(second);
        }
    }

    @Test
    void aBundleThatCannotBeReadLeavesTheLastCertificateInUse() throws Exception {
        SSLContext server = TlsContexts.reloading(authority, launcher);

        Files.writeString(launcher.bundle(), "half a file");

        try (SSLServerSocket listener = (SSLServerSocket)
                server.getServerSocketFactory().createServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            assertThat(servedSerial(listener, TlsContexts.of(authority, admin))).isEqualTo(first);
        }
    }

    /** One connection to {@code listener}: the serial number of the certificate the server presented. */
    private static BigInteger servedSerial(SSLServerSocket listener, SSLContext clientContext) throws Exception {
        CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
            try (SSLSocket accepted = (SSLSocket) listener.accept();
                    OutputStream out = accepted.getOutputStream()) {
                accepted.startHandshake();
                out.write(1);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (SSLSocket socket = (SSLSocket) clientContext
                .getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
            socket.startHandshake();
            try (InputStream in = socket.getInputStream()) {
                assertThat(in.read()).isEqualTo(1);
            }
            served.get(10, TimeUnit.SECONDS);
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
