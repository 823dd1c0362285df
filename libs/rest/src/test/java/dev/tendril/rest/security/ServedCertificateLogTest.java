package dev.tendril.rest.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.security.CertificateAuthority;
import dev.tendril.security.IssuedCertificate;
import dev.tendril.security.Subject;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Quarkus reloads the TLS files every 10 s: only a reload that changed the served certificate is worth a line. */
class ServedCertificateLogTest {

    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static final CertificateAuthority AUTHORITY =
            CertificateAuthority.create("test", NOW.minusSeconds(60), NOW.plusSeconds(3600));

    @Test
    void theSameCertificateReloadedSaysNothingAndARotatedOneSaysWhichItServesNow() throws Exception {
        IssuedCertificate first = issue();
        IssuedCertificate rotated = issue();
        ServedCertificateLog log = new ServedCertificateLog();

        assertThat(log.change("tendril", keyStore(first))).as("the start").isEmpty();
        assertThat(log.change("tendril", keyStore(first)))
                .as("a reload of the same files")
                .isEmpty();
        assertThat(log.change("tendril", keyStore(rotated)))
                .hasValueSatisfying(line -> assertThat(line)
                        .contains(
                                "'tendril'",
                                "CN=service:identity",
                                rotated.certificate().getSerialNumber().toString(16),
                                "was serial "
                                        + first.certificate().getSerialNumber().toString(16)));
        assertThat(log.change("tendril", keyStore(rotated))).isEmpty();
        assertThat(log.change("tendril", null)).as("no key store").isEmpty();
    }

    private static IssuedCertificate issue() {
        return AUTHORITY.issue(
                Subject.service("identity"), List.of("localhost"), NOW.minusSeconds(60), NOW.plusSeconds(3600));
    }

    private static KeyStore keyStore(IssuedCertificate issued) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("key", issued.privateKey(), new char[0], new Certificate[] {issued.certificate()});
        return store;
    }
}
