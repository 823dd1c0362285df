package dev.tendril.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.cli.config.ConfigFile;
import dev.tendril.security.Pem;
import dev.tendril.security.SecretFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 item 1: {@code ./tendril up} makes the stack's credentials in the data directory, owner-only, reuses them
 * on the next start, and hands each child only the paths of its own.
 */
class StackPkiTest {

    @TempDir
    Path repo;

    private StackConfig config(String bind) {
        return new StackConfig(
                repo,
                repo.resolve(".tendril"),
                false,
                2,
                9092,
                5432,
                0,
                Duration.ofSeconds(120),
                1,
                Datapath.MODEL,
                bind);
    }

    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @Test
    void everyComponentAndTheAdminGetAnOwnerOnlyCredential() throws Exception {
        StackConfig config = config("127.0.0.1");
        StackPki pki = StackPki.of(config);
        pki.ensure(QUIET, config.components(), Instant.now());

        Path dir = config.dataDir().resolve(StackPki.DIRECTORY);
        List<String> files;
        try (Stream<Path> tree = Files.walk(dir)) {
            files = tree.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString())
                    .sorted()
                    .toList();
        }
        assertThat(files)
                .containsExactly(
                        "ca.crt",
                        "ca.key",
                        "nodes/node-1.crt",
                        "nodes/node-1.key",
                        "nodes/node-1.pem",
                        "nodes/node-2.crt",
                        "nodes/node-2.key",
                        "nodes/node-2.pem",
                        "services/flows.crt",
                        "services/flows.key",
                        "services/flows.pem",
                        "services/identity.crt",
                        "services/identity.key",
                        "services/identity.pem",
                        "services/ipam.crt",
                        "services/ipam.key",
                        "services/ipam.pem",
                        "services/kafka.crt",
                        "services/kafka.key",
                        "services/kafka.pem",
                        "services/launcher.crt",
                        "services/launcher.key",
                        "services/launcher.pem",
                        "services/policy.crt",
                        "services/policy.key",
                        "services/policy.pem",
                        "users/admin.crt",
                        "users/admin.key",
                        "users/admin.pem");
        try (Stream<Path> tree = Files.walk(dir)) {
            for (Path p : tree.toList()) {
                assertThat(Files.getPosixFilePermissions(p))
                        .as(p.toString())
                        .isEqualTo(Files.isDirectory(p) ? SecretFiles.DIRECTORY : SecretFiles.FILE);
            }
        }
        Path conf = config.dataDir().resolve("tendril.conf");
        assertThat(Files.getPosixFilePermissions(conf)).isEqualTo(SecretFiles.FILE);
        assertThat(ConfigFile.read(conf)
                        .tls()
                        .certificate()
                        .getSubjectX500Principal()
                        .getName())
                .isEqualTo("CN=admin,O=admin");

        X509Certificate node2 = Pem.readCertificate(dir.resolve("nodes/node-2.crt"));
        assertThat(node2.getSubjectX500Principal().getName()).isEqualTo("CN=node:node-2,O=node");
        assertThat(node2.getSubjectAlternativeNames())
                .extracting(n -> n.get(1).toString())
                .contains("localhost", "127.0.0.1", "127.0.0.12");
    }

    @Test
    void aSecondStartReusesTheCredentials() throws Exception {
        StackConfig config = config("127.0.0.1");
        StackPki.of(config).ensure(QUIET, config.components(), Instant.now());
        Path identity = config.dataDir().resolve("pki/services/identity.crt");
        var before = Pem.readCertificate(identity).getSerialNumber();

        StackPki.of(config).ensure(QUIET, config.components(), Instant.now());

        assertThat(Pem.readCertificate(identity).getSerialNumber()).isEqualTo(before);
    }

    @Test
    void aBindAddressIsInTheCertificatesAndTheUrls() throws Exception {
        StackConfig config = config("192.0.2.7");
        StackPki.of(config).ensure(QUIET, config.components(), Instant.now());

        X509Certificate identity = Pem.readCertificate(config.dataDir().resolve("pki/services/identity.crt"));
        assertThat(identity.getSubjectAlternativeNames())
                .extracting(n -> n.get(1).toString())
                .contains("192.0.2.7", "127.0.0.1");
        assertThat(config.components().getFirst().url()).isEqualTo("https://192.0.2.7:8081");
        assertThat(config("0.0.0.0").components().getFirst().url()).isEqualTo("https://127.0.0.1:8081");
        assertThatThrownBy(() -> config("a b")).hasMessageContaining("--bind");
    }

    @Test
    void aChildIsToldThePathsOfItsOwnCredentialNeverItsKey() throws Exception {
        StackConfig config = config("127.0.0.1");
        StackPki pki = StackPki.of(config);
        pki.ensure(QUIET, config.components(), Instant.now());
        ComponentSpec agent = config.components().get(4);

        Map<String, String> properties = ChildProperties.tls(agent, config, pki);

        assertThat(properties)
                .containsEntry("quarkus.profile", "prod,tls")
                .containsEntry("quarkus.http.host", "127.0.0.1")
                .containsEntry(
                        "tendril.tls.cert",
                        config.dataDir().resolve("pki/nodes/node-1.pem").toString())
                .containsEntry(
                        "tendril.tls.key",
                        config.dataDir().resolve("pki/nodes/node-1.pem").toString());
        List<String> arguments = ChildProcess.quarkusArguments(agent, properties);
        assertThat(String.join(" ", arguments)).doesNotContain("PRIVATE KEY", "BEGIN");
    }
}
