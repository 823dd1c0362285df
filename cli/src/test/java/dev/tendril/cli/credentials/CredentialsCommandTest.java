package dev.tendril.cli.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.cli.TendrilCommand;
import dev.tendril.cli.config.ConfigFile;
import dev.tendril.security.ClientTls;
import dev.tendril.security.Pem;
import dev.tendril.security.SecretFiles;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.Subject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: a teammate's self-contained config, and rotation, from the stack's authority in the data directory. */
class CredentialsCommandTest {

    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cmd = TendrilCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return new Run(cmd.execute(args), out.toString(), err.toString());
    }

    private StackCredentials stack() {
        StackCredentials pki = StackCredentials.in(dir.resolve("data/pki"));
        pki.ensureService("identity", List.of("localhost", "127.0.0.1"), Instant.now());
        pki.ensureNode("node-1", List.of("localhost", "127.0.0.11"), Instant.now());
        pki.ensureUser("admin", Subject.ROLE_ADMIN, Instant.now());
        return pki;
    }

    @Test
    void issueWritesAViewerAnOwnerOnlySelfContainedConfig() throws Exception {
        StackCredentials pki = stack();
        Path file = dir.resolve("alice.conf");

        Run run = run(
                "credentials",
                "issue",
                "alice",
                "--role",
                "viewer",
                "-o",
                file.toString(),
                "--data-dir",
                dir.resolve("data").toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("alice", "viewer", "0600");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(SecretFiles.FILE);
        String text = Files.readString(file);
        assertThat(text)
                .contains("kind: Config", "certificate-authority-data", "client-key-data")
                .doesNotContain("BEGIN");
        ClientTls tls = ConfigFile.read(file).tls();
        X509Certificate presented = tls.certificate();
        assertThat(presented.getSubjectX500Principal().getName()).isEqualTo("CN=alice,O=viewer");
        presented.verify(Pem.readCertificate(pki.authority().certificate()).getPublicKey());
        assertThat(tls.context()).isNotNull();
    }

    @Test
    void issueRefusesAnUnknownRoleAndNeedsTheStacksAuthority() {
        stack();
        Run badRole = run(
                "credentials",
                "issue",
                "bob",
                "--role",
                "root",
                "--data-dir",
                dir.resolve("data").toString());
        assertThat(badRole.code()).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(badRole.err()).contains("viewer, operator or admin");

        Run noStack = run(
                "credentials",
                "issue",
                "bob",
                "--role",
                "viewer",
                "--data-dir",
                dir.resolve("elsewhere").toString());
        assertThat(noStack.code()).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(noStack.err()).contains("no certificate authority", "./tendril up");
    }

    @Test
    void rotateRenewsTheComponentsAndTheAdmin() throws Exception {
        StackCredentials pki = stack();
        var before = Pem.readCertificate(pki.service("identity").certificate()).getSerialNumber();

        Run run = run("credentials", "rotate", "--data-dir", dir.resolve("data").toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("Rotated 3 certificates", "services/identity", "nodes/node-1", "users/admin");
        assertThat(Pem.readCertificate(pki.service("identity").certificate()).getSerialNumber())
                .isNotEqualTo(before);
    }

    @Test
    void rotateTheAuthorityThenRetireTheOldOne() throws Exception {
        StackCredentials pki = stack();
        String data = dir.resolve("data").toString();
        X509Certificate old = Pem.readCertificate(pki.authority().certificate());
        Run early = run("credentials", "retire-authority", "--data-dir", data);
        assertThat(early.code()).as(early.err()).isZero();
        assertThat(early.out()).contains("nothing to retire");

        Run rotate = run("credentials", "rotate", "--authority", "--wait", "0", "--data-dir", data);

        assertThat(rotate.code()).as(rotate.err()).isZero();
        assertThat(rotate.out())
                .contains("New certificate authority", "Rotated 3 certificates", "retire-authority", "issue them");
        List<X509Certificate> bundle = Pem.readCertificates(pki.authority().certificate());
        assertThat(bundle).hasSize(2).endsWith(old);
        X509Certificate next = bundle.getFirst();
        for (var credential : List.of(pki.service("identity"), pki.node("node-1"), pki.user("admin"))) {
            Pem.readCertificate(credential.certificate()).verify(next.getPublicKey());
        }

        Run retire = run("credentials", "retire-authority", "--data-dir", data);

        assertThat(retire.code()).as(retire.err()).isZero();
        assertThat(retire.out())
                .contains("No longer trusted", old.getSerialNumber().toString(16));
        assertThat(Pem.readCertificates(pki.authority().certificate())).containsExactly(next);
    }

    @Test
    void rotatingTheAuthorityIsRefusedWithClusterMeshPeersAndABadWait() throws Exception {
        StackCredentials pki = stack();
        String data = dir.resolve("data").toString();
        String bundle = Files.readString(pki.authority().certificate());
        Run badWait = run("credentials", "rotate", "--authority", "--wait", "-1", "--data-dir", data);
        assertThat(badWait.code()).isEqualTo(TendrilCommand.EXIT_USAGE);
        assertThat(badWait.err()).contains("--wait");

        SecretFiles.write(pki.directory().resolve("mesh/west-ca.crt"), "west's authority");
        Run peers = run("credentials", "rotate", "--authority", "--wait", "0", "--data-dir", data);

        assertThat(peers.code()).isEqualTo(TendrilCommand.EXIT_ERROR);
        assertThat(peers.err()).contains("ClusterMesh peers", "west", "disconnect");
        assertThat(Files.readString(pki.authority().certificate())).isEqualTo(bundle);
    }

    @Test
    void theAdminsConfigReferencesTheStacksFiles() throws Exception {
        StackCredentials pki = stack();
        Path file = dir.resolve("data/tendril.conf");
        ConfigFile.writeReferences(
                file, "tendril", dir.resolve("data"), pki.authority().certificate(), "admin", pki.user("admin"));

        ConfigFile read = ConfigFile.read(file);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(SecretFiles.FILE);
        assertThat(read.dataDir()).isEqualTo(dir.resolve("data"));
        assertThat(read.tls().certificate().getSubjectX500Principal().getName()).isEqualTo("CN=admin,O=admin");
    }
}
