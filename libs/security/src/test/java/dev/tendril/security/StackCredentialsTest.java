package dev.tendril.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackCredentialsTest {

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

    @TempDir
    Path dataDir;

    @Test
    void secretsAreOwnerOnlyFilesInOwnerOnlyDirectories() throws Exception {
        StackCredentials credentials = StackCredentials.in(dataDir.resolve("pki"));
        Credential identity = credentials.ensureService("identity", List.of("localhost", "127.0.0.1"), NOW);
        Credential admin = credentials.ensureUser("admin", Subject.ROLE_ADMIN, NOW);

        for (Path file : List.of(
                credentials.authority().privateKey(),
                credentials.authority().certificate(),
                identity.privateKey(),
                admin.privateKey())) {
            assertThat(Files.getPosixFilePermissions(file)).as(file.toString()).isEqualTo(SecretFiles.FILE);
        }
        assertThat(Files.getPosixFilePermissions(credentials.directory())).isEqualTo(SecretFiles.DIRECTORY);
        assertThat(Files.getPosixFilePermissions(identity.certificate().getParent()))
                .isEqualTo(SecretFiles.DIRECTORY);
    }

    @Test
    void certificatesNameTheirPrincipalAndRoleAndChainToTheAuthority() throws Exception {
        StackCredentials credentials = StackCredentials.in(dataDir.resolve("pki"));
        Credential node = credentials.ensureNode("node-2", List.of("localhost", "127.0.0.12", "::1"), NOW);
        X509Certificate authority = Pem.readCertificate(credentials.authority().certificate());
        X509Certificate certificate = Pem.readCertificate(node.certificate());

        certificate.verify(authority.getPublicKey());
        assertThat(Subject.commonNameOf(certificate.getSubjectX500Principal().getName()))
                .isEqualTo("node:node-2");
        assertThat(certificate.getSubjectX500Principal().getName()).contains("O=node");
        assertThat(CertificateNames.hostNames(certificate))
                .containsExactly("localhost", "127.0.0.12", "0:0:0:0:0:0:0:1");
        assertThat(certificate.getExtendedKeyUsage())
                .contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"); // server and client authentication
        assertThat(certificate.getNotAfter().toInstant()).isEqualTo(NOW.plus(StackCredentials.LEAF_VALIDITY));
        assertThat(Pem.readPrivateKey(node.privateKey()).getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void aSecondStartKeepsGoodCredentialsAndRenewsChangedOrExpiringOnes() throws Exception {
        StackCredentials credentials = StackCredentials.in(dataDir.resolve("pki"));
        Credential first = credentials.ensureService("ipam", List.of("localhost", "::1"), NOW);
        String issued = Files.readString(first.certificate());
        String authority = Files.readString(credentials.authority().certificate());

        credentials.ensureService("ipam", List.of("localhost", "::1"), NOW.plus(Duration.ofDays(1)));
        assertThat(Files.readString(first.certificate()))
                .as("unchanged credential kept")
                .isEqualTo(issued);

        credentials.ensureService("ipam", List.of("localhost", "::1", "10.1.2.3"), NOW);
        assertThat(Files.readString(first.certificate())).as("new host name").isNotEqualTo(issued);
        String withHost = Files.readString(first.certificate());

        credentials.ensureService("ipam", List.of("localhost", "::1", "10.1.2.3"), NOW.plus(Duration.ofDays(340)));
        assertThat(Files.readString(first.certificate()))
                .as("expires within 30 days")
                .isNotEqualTo(withHost);
        assertThat(Files.readString(credentials.authority().certificate())).isEqualTo(authority);
    }

    @Test
    void aCertificateFromAnotherAuthorityIsReplaced() throws Exception {
        StackCredentials ours = StackCredentials.in(dataDir.resolve("pki"));
        StackCredentials theirs = StackCredentials.in(dataDir.resolve("other"));
        Credential foreign = theirs.ensureUser("admin", Subject.ROLE_ADMIN, NOW);
        Files.createDirectories(ours.user("admin").certificate().getParent());
        Files.copy(foreign.certificate(), ours.user("admin").certificate());
        Files.copy(foreign.privateKey(), ours.user("admin").privateKey());

        Credential admin = ours.ensureUser("admin", Subject.ROLE_ADMIN, NOW);

        Pem.readCertificate(admin.certificate())
                .verify(Pem.readCertificate(ours.authority().certificate()).getPublicKey());
    }

    @Test
    void subjectsRefuseNamesThatWouldBreakTheirDistinguishedName() {
        assertThatThrownBy(() -> Subject.user("alice,O=admin", Subject.ROLE_VIEWER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("common name");
        assertThat(Subject.commonNameOf("CN=node:node-1,O=node")).isEqualTo("node:node-1");
        assertThat(Subject.commonNameOf("anonymous")).isEqualTo("anonymous");
    }

    @Test
    void rotationRenewsEveryServiceNodeAndNamedUserKeepingNamesAndTheAuthority() throws Exception {
        StackCredentials credentials = StackCredentials.in(dataDir.resolve("pki"));
        credentials.ensureService("identity", List.of("localhost", "127.0.0.1"), NOW);
        credentials.ensureNode("node-1", List.of("localhost", "127.0.0.11"), NOW);
        credentials.ensureUser("admin", Subject.ROLE_ADMIN, NOW);
        credentials.ensureUser("alice", Subject.ROLE_VIEWER, NOW);
        X509Certificate authorityBefore =
                Pem.readCertificate(credentials.authority().certificate());
        X509Certificate identityBefore =
                Pem.readCertificate(credentials.service("identity").certificate());
        X509Certificate aliceBefore =
                Pem.readCertificate(credentials.user("alice").certificate());

        List<String> renewed = credentials.rotate(List.of("admin"), NOW.plusSeconds(60));

        assertThat(renewed).containsExactly("services/identity", "nodes/node-1", "users/admin");
        X509Certificate identityAfter =
                Pem.readCertificate(credentials.service("identity").certificate());
        assertThat(identityAfter.getSerialNumber()).isNotEqualTo(identityBefore.getSerialNumber());
        assertThat(identityAfter.getSubjectX500Principal()).isEqualTo(identityBefore.getSubjectX500Principal());
        assertThat(CertificateNames.hostNames(identityAfter)).containsExactly("localhost", "127.0.0.1");
        identityAfter.verify(authorityBefore.getPublicKey());
        assertThat(Pem.readCertificate(credentials.authority().certificate())).isEqualTo(authorityBefore);
        assertThat(Pem.readCertificate(credentials.user("alice").certificate())).isEqualTo(aliceBefore);
        assertThat(Files.getPosixFilePermissions(credentials.service("identity").privateKey()))
                .isEqualTo(SecretFiles.FILE);
    }

    @Test
    void rotationRenewsTheKafkaClientsAndWritesEveryBundleAgainWithTheNewKeyBeforeItsCertificate() throws Exception {
        StackCredentials credentials = StackCredentials.in(dataDir.resolve("pki"));
        Path clients = credentials.directory().resolve(StackCredentials.KAFKA_CLIENTS);
        Credential policy = new Credential(clients.resolve("policy.crt"), clients.resolve("policy.key"));
        credentials.ensure(policy, Subject.service("policy"), List.of(), NOW);
        Credential identity = credentials.ensureService("identity", List.of("localhost"), NOW);
        assertThat(policy.bundle()).isEqualTo(clients.resolve("policy.pem"));
        X509Certificate before = Pem.readCertificate(policy.certificate());
        X509Certificate identityBefore = Pem.readCertificate(identity.bundle());

        List<String> renewed = credentials.rotate(List.of(), NOW.plusSeconds(60));

        assertThat(renewed).containsExactly("services/identity", "kafka-clients/policy");
        X509Certificate after = Pem.readCertificate(policy.certificate());
        assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
        assertThat(after.getSubjectX500Principal()).isEqualTo(before.getSubjectX500Principal());
        // The bundles running components read hold the new key, then its certificate, and are still the owner's only.
        for (Credential credential : List.of(policy, identity)) {
            Path bundle = credential.bundle();
            assertThat(Files.readString(bundle))
                    .isEqualTo(Files.readString(credential.privateKey()) + Files.readString(credential.certificate()));
            assertThat(Files.getPosixFilePermissions(bundle)).isEqualTo(SecretFiles.FILE);
            assertThat(matches(Pem.readPrivateKey(bundle), Pem.readCertificate(bundle)))
                    .as(bundle.toString())
                    .isTrue();
        }
        assertThat(Pem.readCertificate(identity.bundle()).getSerialNumber())
                .isNotEqualTo(identityBefore.getSerialNumber());
    }

    @Test
    void aStillGoodCredentialWithoutItsBundleOrWithAStaleOneGetsItsBundleAgain() throws Exception {
        StackCredentials credentials = StackCredentials.in(dataDir.resolve("pki"));
        Credential node = credentials.ensureNode("node-1", List.of("localhost"), NOW);
        String stale = Files.readString(node.bundle());
        Files.delete(node.bundle());
        X509Certificate kept = Pem.readCertificate(node.certificate());

        credentials.ensureNode("node-1", List.of("localhost"), NOW.plusSeconds(60));

        assertThat(Pem.readCertificate(node.bundle())).isEqualTo(kept);
        assertThat(Pem.readPrivateKey(node.bundle())).isEqualTo(Pem.readPrivateKey(node.privateKey()));

        // A rotation cut short after the two files: the next start writes the bundle that matches them.
        credentials.issue(node, Subject.node("node-1"), List.of("localhost"), NOW.plusSeconds(120));
        SecretFiles.write(node.bundle(), stale);
        credentials.ensureNode("node-1", List.of("localhost"), NOW.plusSeconds(180));
        assertThat(Files.readString(node.bundle()))
                .isEqualTo(Files.readString(node.privateKey()) + Files.readString(node.certificate()))
                .isNotEqualTo(stale);
    }

    /** Whether {@code key} signs what {@code certificate}'s public key verifies. */
    private static boolean matches(java.security.PrivateKey key, X509Certificate certificate) throws Exception {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        java.security.Signature signer = java.security.Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
        verifier.initVerify(certificate.getPublicKey());
        verifier.update(new byte[] {1, 2, 3});
        return verifier.verify(signature);
    }
}
