package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.security.AuthorityRotation;
import dev.tendril.security.CertificateAuthority;
import dev.tendril.security.Credential;
import dev.tendril.security.Pem;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.Subject;
import dev.tendril.security.TlsContexts;
import dev.tendril.testing.BrokerSecurity;
import dev.tendril.testing.KafkaBroker;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stack's broker serves its rotated certificate to new connections without a restart: {@code credentials rotate}
 * renews {@code pki/services/kafka.*} and {@link BrokerCertificateReload} hands the files to the running broker. It
 * follows an authority's rotation the same way, through the trust bundle {@code pki/ca.crt}.
 */
class BrokerCertificateReloadTest {

    @TempDir
    Path dir;

    @Test
    void aRotatedBrokerCertificateIsServedToTheNextConnection() throws Exception {
        StackCredentials pki = StackCredentials.in(dir.resolve("pki"));
        Instant start = Instant.now();
        Credential client = pki.ensureService("policy", List.of(), start);
        try (KafkaBroker broker = KafkaBroker.startSecured(dir.resolve("kafka"), 0, KafkaProcess.security(pki, start));
                Admin admin = Admin.create(broker.adminClientProperties())) {
            Credential files = pki.service(KafkaProcess.BROKER);
            BrokerCertificateReload reload =
                    new BrokerCertificateReload(pki.authority().certificate(), files, 1);
            BigInteger issued = Pem.readCertificate(files.certificate()).getSerialNumber();
            assertThat(served(broker, pki, client)).isEqualTo(issued);
            assertThat(reload.reloadIfChanged(admin))
                    .as("the files are handed over once at start")
                    .isTrue();
            assertThat(reload.reloadIfChanged(admin))
                    .as("nothing changed since")
                    .isFalse();
            assertThat(served(broker, pki, client)).isEqualTo(issued);

            List<String> renewed = pki.rotate(List.of(), start.plusSeconds(60));
            BigInteger rotated = Pem.readCertificate(files.certificate()).getSerialNumber();

            assertThat(renewed).contains("services/kafka");
            assertThat(rotated).isNotEqualTo(issued);
            assertThat(served(broker, pki, client)).as("before the reload").isEqualTo(issued);
            assertThat(reload.reloadIfChanged(admin)).isTrue();
            // The broker applies the update when it reads it back from its metadata log: moments later.
            await("the broker serves the rotated certificate")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(served(broker, pki, client)).isEqualTo(rotated));
            assertThat(reload.reloadIfChanged(admin)).isFalse();
        }
    }

    @Test
    void aRotatedAuthorityIsTrustedBeforeItSignsAndRefusedOnceRetired() throws Exception {
        StackCredentials pki = StackCredentials.in(dir.resolve("pki"));
        Instant start = Instant.now();
        Credential client = pki.ensureService("policy", List.of(), start);
        // Outside pki/: the rotation neither renews it nor waits for it, like a teammate's certificate.
        Credential oldClient = CertificateAuthority.load(pki.authority())
                .issue(Subject.service("policy"), List.of(), start.minusSeconds(60), start.plus(Duration.ofDays(1)))
                .writeTo(dir.resolve("old-client.crt"), dir.resolve("old-client.key"));
        AuthorityRotation rotation = AuthorityRotation.of(pki);
        try (KafkaBroker broker = KafkaBroker.startSecured(dir.resolve("kafka"), 0, KafkaProcess.security(pki, start));
                Admin admin = Admin.create(broker.adminClientProperties())) {
            Credential files = pki.service(KafkaProcess.BROKER);
            BrokerCertificateReload reload =
                    new BrokerCertificateReload(pki.authority().certificate(), files, 1);
            assertThat(reload.reloadIfChanged(admin)).isTrue();

            X509Certificate next = rotation.introduce(Instant.now());
            Path nextOnly = dir.resolve("next-ca.crt");
            Files.writeString(nextOnly, Pem.encode(next));
            Credential nextClient = CertificateAuthority.load(rotation.next())
                    .issue(Subject.service("policy"), List.of(), start.minusSeconds(60), start.plus(Duration.ofDays(1)))
                    .writeTo(dir.resolve("next-client.crt"), dir.resolve("next-client.key"));
            assertThat(connects(broker, pki.authority().certificate(), nextClient))
                    .as("the broker does not trust the new authority before the reload")
                    .isFalse();
            assertThat(reload.reloadIfChanged(admin)).isTrue();
            await("the broker trusts the new authority before it signs")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(
                            () -> assertThat(connects(broker, pki.authority().certificate(), nextClient))
                                    .isTrue());

            assertThat(rotation.switchOver(List.of(), Instant.now())).contains("services/kafka", "services/policy");
            X509Certificate switched = Pem.readCertificate(files.certificate());
            switched.verify(next.getPublicKey());
            assertThat(reload.reloadIfChanged(admin))
                    .as("the bundle and the key store, one after the other")
                    .isTrue();
            await("the broker serves the certificate of the new authority")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(served(broker, pki, client)).isEqualTo(switched.getSerialNumber()));
            assertThat(served(broker, nextOnly, client)).isEqualTo(switched.getSerialNumber());
            assertThat(connects(broker, nextOnly, client))
                    .as("a client trusting only the new authority")
                    .isTrue();
            assertThat(reload.reloadIfChanged(admin)).isFalse();

            assertThat(rotation.retire(List.of())).hasSize(1);
            assertThat(connects(broker, nextOnly, oldClient))
                    .as("the old authority is still trusted before the reload")
                    .isTrue();
            assertThat(reload.reloadIfChanged(admin)).isTrue();
            await("the broker refuses a certificate of the retired authority")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() ->
                            assertThat(connects(broker, nextOnly, oldClient)).isFalse());
            assertThat(connects(broker, nextOnly, client)).isTrue();
            assertThat(reload.reloadIfChanged(admin)).isFalse();
        }
    }

    /**
     * True when the broker answers a client that presents {@code credential} and trusts {@code authorities}, false
     * when the TLS handshake fails (either end refusing the other's certificate).
     */
    private static boolean connects(KafkaBroker broker, Path authorities, Credential credential) throws Exception {
        Map<String, Object> properties =
                BrokerSecurity.clientProperties(authorities, credential.certificate(), credential.privateKey());
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin client = Admin.create(properties)) {
            client.describeCluster().clusterId().get(15, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SslAuthenticationException) {
                return false;
            }
            throw e;
        }
    }

    private static BigInteger served(KafkaBroker broker, StackCredentials pki, Credential client) throws Exception {
        return served(broker, pki.authority().certificate(), client);
    }

    /** The serial number of the certificate the broker presents to a new TLS connection. */
    private static BigInteger served(KafkaBroker broker, Path authorities, Credential client) throws Exception {
        try (SSLSocket socket = (SSLSocket)
                TlsContexts.of(authorities, client).getSocketFactory().createSocket("127.0.0.1", broker.port())) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
