package dev.tendril.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate from another party's authority without handing over the private key: what {@code tendril clustermesh
 * connect --to ADDRESS} does with the peer.
 */
class CertificateRequestTest {

    @TempDir
    Path dataDir;

    @Test
    void theAuthoritySignsTheRequestedKeyAndTheHolderAuthenticatesWithItsOwnPrivateKey() throws Exception {
        StackCredentials peer = StackCredentials.in(dataDir.resolve("peer"));
        Instant now = Instant.now();
        CertificateAuthority authority = peer.ensureAuthority(now);
        Credential server = peer.ensureService("launcher", List.of("127.0.0.1"), now);

        CertificateRequest.Pending pending = CertificateRequest.create(new Subject("mesh:east", "mesh"));
        CertificateRequest request = CertificateRequest.parse(pending.pem(), "the request");
        X509Certificate signed =
                authority.sign(request.subject(), request.publicKey(), List.of(), now, now.plus(Duration.ofDays(1)));

        assertThat(request.subject()).isEqualTo(new Subject("mesh:east", "mesh"));
        assertThat(signed.getPublicKey()).isEqualTo(request.publicKey());
        String seen = TlsHandshakeTest.handshake(
                TlsContexts.of(peer.authority().certificate(), server),
                TlsContexts.of(List.of(authority.certificate()), pending.privateKey(), List.of(signed)));
        assertThat(seen).isEqualTo("CN=mesh:east,O=mesh");
    }

    @Test
    void aRequestWhoseSignatureDoesNotMatchItsKeyIsRefused() {
        String pem = CertificateRequest.create(new Subject("mesh:east", "mesh")).pem();
        // Flip one bit near the end of the DER: the signature no longer verifies.
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der = java.util.Base64.getDecoder().decode(body);
        der[der.length - 3] ^= 0x01;
        String tampered = "-----BEGIN CERTIFICATE REQUEST-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(der)
                + "\n-----END CERTIFICATE REQUEST-----\n";

        assertThatThrownBy(() -> CertificateRequest.parse(tampered, "csr"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("csr: ");
    }

    @Test
    void textThatIsNoRequestIsRefusedNamingWhere() {
        assertThatThrownBy(() -> CertificateRequest.parse("hello", "csr"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("csr: no CERTIFICATE REQUEST block (PKCS#10 PEM expected)");
        assertThatThrownBy(() -> CertificateRequest.parse(null, "csr"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no CERTIFICATE REQUEST block");
    }
}
