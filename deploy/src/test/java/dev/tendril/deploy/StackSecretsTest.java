package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.security.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackSecretsTest {

    @TempDir
    Path dir;

    @Test
    void aServiceIsToldWhereItsKafkaCertificateAndDatabaseLoginAreButNeverASecret() throws Exception {
        StackSecrets secrets = new StackSecrets(dir.resolve("pki"));
        String password = secrets.password(StackSecrets.role("identity"));
        secrets.writeDatasourceProperties("identity", password);

        Map<String, String> properties =
                secrets.childProperties(ComponentSpec.service("identity", 8081, dir), Instant.now());

        assertThat(properties)
                .containsEntry("kafka.security.protocol", "SSL")
                .containsEntry("kafka.ssl.keystore.type", "PEM")
                .containsEntry("kafka.ssl.truststore.type", "PEM")
                .containsEntry(
                        "quarkus.config.locations",
                        secrets.datasourceProperties("identity")
                                .toAbsolutePath()
                                .toString());
        assertThat(String.join(" ", properties.values())).doesNotContain(password);
        Path keystore = Path.of(properties.get("kafka.ssl.keystore.location"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keystore)))
                .isEqualTo("rw-------");
        assertThat(Files.readString(keystore)).contains("-----BEGIN PRIVATE KEY-----", "-----BEGIN CERTIFICATE-----");
        assertThat(Pem.readCertificate(keystore).getSubjectX500Principal().getName())
                .isEqualTo("CN=service:identity,O=service");
    }

    @Test
    void anAgentPresentsItsNodesCertificateAndHasNoDatabase() throws Exception {
        StackSecrets secrets = new StackSecrets(dir.resolve("pki"));

        Map<String, String> properties = secrets.childProperties(ComponentSpec.agent(2, 9102, dir), Instant.now());

        assertThat(properties).doesNotContainKey("quarkus.config.locations");
        Path keystore = Path.of(properties.get("kafka.ssl.keystore.location"));
        assertThat(Pem.readCertificate(keystore).getSubjectX500Principal().getName())
                .isEqualTo("CN=node:node-2,O=node");
    }
}
