package dev.tendril.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replacing the stack's authority in three steps, each checked with real TLS handshakes between a component that has
 * reloaded its files and one that has not: at no step does one refuse the other.
 */
class AuthorityRotationTest {

    private static final List<String> HOSTS = List.of("localhost", "127.0.0.1");

    @TempDir
    Path dataDir;

    @Test
    void trustComesFirstThenTheNewAuthoritySignsThenTheOldOneIsDropped() throws Exception {
        StackCredentials pki = StackCredentials.in(dataDir.resolve("pki"));
        Instant now = Instant.now();
        Credential server = pki.ensureService("identity", HOSTS, now);
        Credential admin = pki.ensureUser("admin", Subject.ROLE_ADMIN, now);
        X509Certificate old = Pem.readCertificate(pki.authority().certificate());
        AuthorityRotation rotation = AuthorityRotation.of(pki);
        assertThat(rotation.stage()).isEqualTo(AuthorityRotation.Stage.SINGLE);
        // What a component that has not reloaded since the start holds.
        SSLContext serverBefore = TlsContexts.of(pki.authority().certificate(), server);
        SSLContext adminBefore = TlsContexts.of(pki.authority().certificate(), admin);

        X509Certificate next = rotation.introduce(now);

        assertThat(rotation.stage()).isEqualTo(AuthorityRotation.Stage.INTRODUCED);
        assertThat(rotation.trusted()).containsExactly(old, next);
        assertThat(rotation.introduce(now))
                .as("a second run keeps the same new authority")
                .isEqualTo(next);
        assertThat(rotation.trusted()).containsExactly(old, next);
        assertThat(CertificateAuthority.load(pki.authority()).certificate())
                .as("the old authority still signs")
                .isEqualTo(old);
        // Reloaded after step 1: trusts both, still presents the old authority's certificates.
        SSLContext serverTrustingBoth = TlsContexts.of(pki.authority().certificate(), server);
        SSLContext adminTrustingBoth = TlsContexts.of(pki.authority().certificate(), admin);

        List<String> renewed = rotation.switchOver(List.of("admin"), now);

        assertThat(renewed).contains("services/identity", "users/admin");
        assertThat(rotation.stage()).isEqualTo(AuthorityRotation.Stage.SWITCHED);
        assertThat(rotation.trusted()).containsExactly(next, old);
        assertThat(Files.exists(rotation.next().privateKey())).isFalse();
        assertThat(CertificateAuthority.load(pki.authority()).certificate()).isEqualTo(next);
        Pem.readCertificate(server.certificate()).verify(next.getPublicKey());
        Pem.readCertificate(admin.certificate()).verify(next.getPublicKey());
        SSLContext serverAfter = TlsContexts.of(pki.authority().certificate(), server);
        SSLContext adminAfter = TlsContexts.of(pki.authority().certificate(), admin);

        // Every mix of reloaded-after-step-1 and reloaded-after-step-2 ends of a connection works.
        assertThat(TlsHandshakeTest.handshake(serverTrustingBoth, adminAfter)).contains("CN=admin");
        assertThat(TlsHandshakeTest.handshake(serverAfter, adminTrustingBoth)).contains("CN=admin");
        assertThat(TlsHandshakeTest.handshake(serverAfter, adminAfter)).contains("CN=admin");
        // A component that skipped step 1's reload is what the wait between the steps is for: it trusts the old only.
        assertThatThrownBy(() -> TlsHandshakeTest.handshake(serverAfter, adminBefore))
                .isInstanceOf(IOException.class);
        assertThat(TlsHandshakeTest.handshake(serverBefore, adminBefore)).contains("CN=admin");

        List<X509Certificate> retired = rotation.retire(List.of("admin"));

        assertThat(retired).containsExactly(old);
        assertThat(rotation.trusted()).containsExactly(next);
        assertThat(rotation.stage()).isEqualTo(AuthorityRotation.Stage.SINGLE);
        SSLContext serverRetired = TlsContexts.of(pki.authority().certificate(), server);
        assertThat(TlsHandshakeTest.handshake(serverRetired, adminAfter)).contains("CN=admin");
        assertThatThrownBy(() -> TlsHandshakeTest.handshake(serverRetired, adminTrustingBoth))
                .as("a certificate of the old authority is refused once it is retired")
                .isInstanceOf(IOException.class);
    }

    @Test
    void aReloadingServerBuiltBeforeTheRotationFollowsItWithoutARestart() throws Exception {
        StackCredentials pki = StackCredentials.in(dataDir.resolve("pki"));
        Instant now = Instant.now();
        Credential server = pki.ensureService("launcher", HOSTS, now);
        Credential admin = pki.ensureUser("admin", Subject.ROLE_ADMIN, now);
        Credential bob = pki.ensureUser("bob", Subject.ROLE_VIEWER, now);
        // Built once, as the launcher's control endpoint is at start.
        SSLContext running = TlsContexts.reloading(pki.authority().certificate(), server);
        AuthorityRotation rotation = AuthorityRotation.of(pki);
        rotation.introduce(now);
        rotation.switchOver(List.of("admin"), now);
        X509Certificate next = rotation.trusted().getFirst();

        SSLContext adminAfter = TlsContexts.of(pki.authority().certificate(), admin);
        assertThat(TlsHandshakeTest.handshake(running, adminAfter))
                .as("trusts the new authority's admin and presents its new certificate")
                .contains("CN=admin");
        Pem.readCertificate(admin.certificate()).verify(next.getPublicKey());

        SSLContext adminOnlyNew = TlsContexts.of(
                List.of(next), Pem.readPrivateKey(admin.privateKey()), Pem.readCertificates(admin.certificate()));
        assertThat(TlsHandshakeTest.handshake(running, adminOnlyNew))
                .as("a client trusting only the new authority verifies the server")
                .contains("CN=admin");
        SSLContext bobTrustingBoth = TlsContexts.of(pki.authority().certificate(), bob);
        assertThat(TlsHandshakeTest.handshake(running, bobTrustingBoth))
                .as("the old authority's certificates are trusted until it is retired")
                .contains("CN=bob");
        rotation.retire(List.of("admin"));
        assertThatThrownBy(() -> TlsHandshakeTest.handshake(running, bobTrustingBoth))
                .as("and refused by the running server once it is")
                .isInstanceOf(IOException.class);
    }

    @Test
    void retiringIsRefusedWhileACertificateOfTheStackIsStillIssuedByTheOldAuthority() throws Exception {
        StackCredentials pki = StackCredentials.in(dataDir.resolve("pki"));
        Instant now = Instant.now();
        pki.ensureService("identity", HOSTS, now);
        pki.ensureUser("alice", Subject.ROLE_VIEWER, now);
        AuthorityRotation rotation = AuthorityRotation.of(pki);
        rotation.introduce(now);
        assertThatThrownBy(() -> rotation.retire(List.of()))
                .as("before the switch")
                .hasMessageContaining("does not sign yet");
        rotation.switchOver(List.of(), now);
        String bundle = Files.readString(pki.authority().certificate());

        assertThatThrownBy(() -> rotation.retire(List.of("alice")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("users/alice");
        assertThat(Files.readString(pki.authority().certificate()))
                .as("nothing changed")
                .isEqualTo(bundle);
        assertThat(rotation.retire(List.of())).hasSize(1);
    }

    @Test
    void aSwitchCutShortAfterTheKeyLoadsTheNewAuthorityAndFinishesWhenRunAgain() throws Exception {
        StackCredentials pki = StackCredentials.in(dataDir.resolve("pki"));
        Instant now = Instant.now();
        Credential server = pki.ensureService("identity", HOSTS, now);
        AuthorityRotation rotation = AuthorityRotation.of(pki);
        X509Certificate next = rotation.introduce(now);
        // The first write of switchOver happened, the rest did not.
        Files.copy(
                rotation.next().privateKey(),
                pki.authority().privateKey(),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertThat(CertificateAuthority.load(pki.authority()).certificate())
                .as("the certificate that goes with the key, not the first in the bundle")
                .isEqualTo(next);
        rotation.switchOver(List.of(), now);
        assertThat(rotation.trusted().getFirst()).isEqualTo(next);
        Pem.readCertificate(server.certificate()).verify(next.getPublicKey());
    }

    @Test
    void refusedWithClusterMeshPeersChangingNothing() throws Exception {
        StackCredentials pki = StackCredentials.in(dataDir.resolve("pki"));
        Instant now = Instant.now();
        pki.ensureAuthority(now);
        SecretFiles.write(pki.directory().resolve("mesh").resolve("west-ca.crt"), "peer authority");
        String bundle = Files.readString(pki.authority().certificate());
        AuthorityRotation rotation = AuthorityRotation.of(pki);

        assertThatThrownBy(() -> rotation.introduce(now))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("west")
                .hasMessageContaining("disconnect");
        assertThat(Files.readString(pki.authority().certificate())).isEqualTo(bundle);
        assertThat(Files.exists(rotation.next().privateKey())).isFalse();
    }
}
