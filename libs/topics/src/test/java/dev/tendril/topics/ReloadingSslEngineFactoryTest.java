package dev.tendril.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.security.Credential;
import dev.tendril.testing.BrokerSecurity;
import dev.tendril.testing.KafkaBroker;
import dev.tendril.testing.tls.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka client configured with {@link ReloadingSslEngineFactory} and PEM files (as the launcher configures every
 * service's and agent's client) presents a rotated certificate on its next connection, without being made again:
 * against a real broker with mutual TLS and ACLs, the principal a request runs as follows the file.
 */
class ReloadingSslEngineFactoryTest {

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static KafkaBroker broker;

    @BeforeAll
    static void makeCredentials() {
        pki = TestPki.create("kafka");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    /** service:policy may do everything (service:kafka is the broker itself); anyone else may do nothing. */
    private static KafkaBroker startBroker(int port) {
        Credential server = pki.server("kafka");
        return KafkaBroker.startSecured(
                dir.resolve("kafka"),
                port,
                new BrokerSecurity(
                        pki.authority(),
                        server.certificate(),
                        server.privateKey(),
                        List.of("User:service:kafka", "User:service:policy")));
    }

    /** A broker restart on the same port: every client connection is opened again. */
    private static void restartBroker() throws Exception {
        int port = broker.port();
        broker.close();
        broker = startBroker(port);
    }

    @Test
    void aRunningClientPresentsTheCertificateItsFileHoldsAtItsNextConnection() throws Exception {
        broker = startBroker(0);
        Path bundle = dir.resolve("client.pem");
        writeBundle(bundle, pki.service("policy"));
        Map<String, Object> properties = new HashMap<>();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put("security.protocol", "SSL");
        properties.put("ssl.truststore.type", "PEM");
        properties.put("ssl.truststore.location", pki.authority().toString());
        properties.put("ssl.keystore.type", "PEM");
        properties.put("ssl.keystore.location", bundle.toString());
        properties.put("ssl.engine.factory.class", ReloadingSslEngineFactory.class.getName());
        properties.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        properties.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        properties.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");

        try (Admin admin = Admin.create(properties)) {
            createTopic(admin, "as-policy");

            // The file now holds node-1's certificate: node-1 may not create topics.
            writeBundle(bundle, pki.node("node-1"));
            restartBroker();
            assertThatThrownBy(() -> createTopic(admin, "as-node"))
                    .hasCauseInstanceOf(TopicAuthorizationException.class);

            // And back: the same client is the policy service again.
            writeBundle(bundle, pki.service("policy"));
            restartBroker();
            createTopic(admin, "as-policy-again");
            assertThat(admin.listTopics().names().get(15, TimeUnit.SECONDS))
                    .contains("as-policy", "as-policy-again")
                    .doesNotContain("as-node");
        }
    }

    @Test
    void theKeyStoreIsReadAgainWhenItsFileChangesAndKeptWhenTheNewFileDoesNotLoad() throws Exception {
        Path bundle = dir.resolve("unit.pem");
        writeBundle(bundle, pki.service("policy"));
        ReloadingSslEngineFactory factory = new ReloadingSslEngineFactory();
        Map<String, Object> configs = new HashMap<>();
        configs.put("ssl.truststore.type", "PEM");
        configs.put("ssl.truststore.location", pki.authority().toString());
        configs.put("ssl.keystore.type", "PEM");
        configs.put("ssl.keystore.location", bundle.toString());
        configs.put("ssl.protocol", "TLSv1.3");
        configs.put("ssl.enabled.protocols", List.of("TLSv1.3"));
        configs.put("ssl.keymanager.algorithm", "SunX509");
        configs.put("ssl.trustmanager.algorithm", "PKIX");
        configs.put("ssl.endpoint.identification.algorithm", "https");
        factory.configure(configs);
        try {
            assertThat(subjectOf(factory)).contains("CN=service:policy");

            writeBundle(bundle, pki.node("node-2"));
            assertThat(factory.createClientSslEngine("localhost", 9093, "https"))
                    .isNotNull();
            assertThat(subjectOf(factory)).contains("CN=node:node-2");

            Files.writeString(bundle, "-----BEGIN PRIVATE KEY-----\nnot a key\n");
            assertThat(factory.createClientSslEngine("localhost", 9093, "https"))
                    .isNotNull();
            assertThat(subjectOf(factory))
                    .as("a file that does not load changes nothing")
                    .contains("CN=node:node-2");
        } finally {
            factory.close();
        }
    }

    private static String subjectOf(ReloadingSslEngineFactory factory) throws Exception {
        var keystore = factory.keystore();
        String alias = keystore.aliases().nextElement();
        return ((X509Certificate) keystore.getCertificate(alias))
                .getSubjectX500Principal()
                .getName();
    }

    private static void createTopic(Admin admin, String name) throws Exception {
        admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    /** The private key then the certificate in one file, written whole by rename, as the launcher writes it. */
    private static void writeBundle(Path bundle, Credential credential) throws Exception {
        Path next = bundle.resolveSibling(bundle.getFileName() + ".next");
        Files.writeString(next, Files.readString(credential.privateKey()) + Files.readString(credential.certificate()));
        Files.move(next, bundle, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
