package dev.tendril.deploy;

import dev.tendril.security.CertificateRequest;
import dev.tendril.security.Credential;
import dev.tendril.security.Pem;
import dev.tendril.security.SecretFiles;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.Subject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The certificates of this stack's MirrorMaker 2 for one peer, in {@code DATA/pki/mesh}: a client certificate for the
 * peer's Kafka ({@code CN=mesh:<local-cluster>}, issued by the peer's authority, with a copy of that authority), and
 * one for the local Kafka ({@code CN=mirror:<peer>}, issued by the local authority). Issuing from the peer's authority
 * reads the peer's data directory: the same-machine shortcut of {@code tendril clustermesh connect --to DIR}; a real
 * deployment would have the peer sign a certificate request and send its authority's certificate instead.
 */
final class MeshCredentials {

    static final String ROLE = "mesh";
    private static final String DIRECTORY = "mesh";

    private final StackCredentials local;
    private final Path directory;

    MeshCredentials(DataDir dataDir) {
        Path pki = dataDir.resolve(DataDir.PKI);
        this.local = StackCredentials.in(pki);
        this.directory = pki.resolve(DIRECTORY);
    }

    /** The principal a peer's broker sees for this cluster's MirrorMaker 2. */
    static String peerPrincipal(String localCluster) {
        return "User:mesh:" + localCluster;
    }

    /** The principal the local broker sees for the MirrorMaker 2 that copies {@code peer}'s topics. */
    static String mirrorPrincipal(String peer) {
        return "User:mirror:" + peer;
    }

    /** The client credential for the peer's Kafka. */
    Credential atPeer(String peer) {
        return new Credential(directory.resolve(peer + ".crt"), directory.resolve(peer + ".key"));
    }

    /** A client of the peer presenting this cluster's certificate for it (its Kafka, its launcher's grant). */
    dev.tendril.security.ClientTls grantedTls(String peer) {
        return dev.tendril.security.ClientTls.files(peerAuthority(peer), atPeer(peer));
    }

    /** The peer's authority, which its broker's certificate chains to. */
    Path peerAuthority(String peer) {
        return directory.resolve(peer + "-ca.crt");
    }

    /** The client credential for the local Kafka. */
    Credential mirror(String peer) {
        return new Credential(
                directory.resolve("mirror-" + peer + ".crt"), directory.resolve("mirror-" + peer + ".key"));
    }

    Path localAuthority() {
        return local.authority().certificate();
    }

    /** Issues (or keeps) both credentials and copies the peer's authority certificate. */
    void issue(String peer, Path peerDataDir, String localCluster, Instant now) {
        StackCredentials peerPki = StackCredentials.in(peerDataDir.resolve(DataDir.PKI));
        if (!Files.isRegularFile(peerPki.authority().privateKey())) {
            throw new IllegalArgumentException("the peer " + peerDataDir + " has no certificate authority ("
                    + peerPki.authority().privateKey() + "): has it been started with './tendril up'?");
        }
        peerPki.ensure(atPeer(peer), grantee(localCluster), List.of(), now);
        try {
            SecretFiles.write(
                    peerAuthority(peer), Files.readString(peerPki.authority().certificate()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the peer's authority " + peerPki.authority(), e);
        }
        local.ensure(mirror(peer), new Subject("mirror:" + peer, ROLE), List.of(), now);
    }

    /**
     * The {@code connect --to ADDRESS} side: keeps what the peer's grant sent (the certificate it signed for this
     * cluster's key, and its authority) with the key that never left this cluster, and issues the local one.
     */
    void store(
            String peer,
            String certificatePem,
            PrivateKey privateKey,
            String authorityPem,
            String localCluster,
            Instant now) {
        SecretFiles.write(atPeer(peer).certificate(), certificatePem);
        SecretFiles.write(atPeer(peer).privateKey(), Pem.encode(privateKey));
        SecretFiles.write(peerAuthority(peer), authorityPem);
        local.ensure(mirror(peer), new Subject("mirror:" + peer, ROLE), List.of(), now);
    }

    /** The granting side: this stack's authority signs {@code mesh:<cluster>} for the key of {@code request}. */
    X509Certificate grant(String cluster, CertificateRequest request, Instant now) {
        return local.sign(request, grantee(cluster), now);
    }

    /** The subject a peer's request must name to read this cluster as {@code cluster}. */
    static Subject grantee(String cluster) {
        return new Subject("mesh:" + cluster, ROLE);
    }

    /** Deletes the peer's credentials (on disconnect). */
    void remove(String peer) {
        try {
            for (Path file : List.of(
                    atPeer(peer).certificate(),
                    atPeer(peer).privateKey(),
                    peerAuthority(peer),
                    mirror(peer).certificate(),
                    mirror(peer).privateKey())) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the credentials of peer " + peer, e);
        }
    }
}
