package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tendril.security.Credential;
import dev.tendril.security.Pem;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.TlsContexts;
import dev.tendril.testing.KafkaBroker;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stack's broker serves its rotated certificate to new connections without a restart: {@code credentials rotate}
 * renews {@code pki/services/kafka.*} and {@link BrokerCertificateReload} hands the files to the running broker.
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
            BrokerCertificateReload reload = new BrokerCertificateReload(files, 1);
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

    /** The serial number of the certificate the broker presents to a new TLS connection. */
    private static BigInteger served(KafkaBroker broker, StackCredentials pki, Credential client) throws Exception {
        try (SSLSocket socket = (SSLSocket) TlsContexts.of(pki.authority().certificate(), client)
                .getSocketFactory()
                .createSocket("127.0.0.1", broker.port())) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
