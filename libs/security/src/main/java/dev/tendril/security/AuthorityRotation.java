package dev.tendril.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Replacing a stack's certificate authority without a moment in which one running component refuses another, in the
 * order Kubernetes documents for its own CA: trust first, then sign, then stop trusting. {@code ca.crt} is the trust
 * bundle every component reads (the signing authority first, then the others it still trusts) and {@code ca.key} the
 * signing key:
 *
 * <ol>
 *   <li>{@link #introduce}: a new authority in {@code ca-next.crt}/{@code ca-next.key}, added to {@code ca.crt}
 *       behind the signing one. Nothing is signed by it yet; every component reloads the bundle (services and agents
 *       within 10 s, the broker within 10 s, clients at their next connection) and then trusts both.
 *   <li>{@link #switchOver}: the new authority signs ({@code ca.key} is its key, it comes first in {@code ca.crt}, the
 *       old one stays trusted) and every certificate of the stack is issued again by it, as {@code credentials rotate}
 *       does. A component that has not yet reloaded its own certificate still presents one of the old authority, which
 *       every other still trusts.
 *   <li>{@link #retire}: {@code ca.crt} holds the signing authority alone. Refused while a certificate of the stack
 *       itself is still issued by an authority it would drop.
 * </ol>
 *
 * Each step is safe to run again after being cut short. Certificates handed to teammates ({@code credentials issue})
 * carry the bundle of the time they were issued: those issued before the switch stop verifying the stack's
 * certificates at the switch and need issuing again. Refused while ClusterMesh peers are connected: a peer keeps a
 * copy of this authority, so the peers would lose each other (disconnect, rotate, connect again).
 */
public final class AuthorityRotation {

    /** Where a stack is in a rotation. */
    public enum Stage {
        /** One authority, trusted and signing. */
        SINGLE,
        /** A new authority is trusted (step 1 done); the old one still signs. */
        INTRODUCED,
        /** The new authority signs; older ones are still trusted until {@link #retire}. */
        SWITCHED
    }

    private static final String MESH_DIRECTORY = "mesh";
    private static final String PEER_AUTHORITY_SUFFIX = "-ca.crt";

    private final StackCredentials pki;

    private AuthorityRotation(StackCredentials pki) {
        this.pki = pki;
    }

    public static AuthorityRotation of(StackCredentials pki) {
        return new AuthorityRotation(pki);
    }

    /** The new authority's files while step 1 is done and step 2 is not. */
    public Credential next() {
        return new Credential(
                pki.directory().resolve("ca-next.crt"), pki.directory().resolve("ca-next.key"));
    }

    public Stage stage() {
        if (Files.exists(next().privateKey())) {
            return Stage.INTRODUCED;
        }
        return trusted().size() > 1 ? Stage.SWITCHED : Stage.SINGLE;
    }

    /** Every authority {@code ca.crt} holds, the signing one first. */
    public List<X509Certificate> trusted() {
        return Pem.readCertificates(pki.authority().certificate());
    }

    /**
     * Step 1: makes the next authority (or keeps the one an earlier, cut-short run made) and adds it to the trust
     * bundle behind the signing one. Returns it.
     */
    public X509Certificate introduce(Instant now) {
        requireNoPeers();
        CertificateAuthority signing = pki.ensureAuthority(now);
        Credential next = next();
        CertificateAuthority made;
        if (Files.exists(next.certificate()) && Files.exists(next.privateKey())) {
            made = CertificateAuthority.load(next);
        } else {
            made = CertificateAuthority.create(
                    "tendril-ca", now.minus(StackCredentials.BACKDATE), now.plus(StackCredentials.AUTHORITY_VALIDITY));
            made.writeTo(next.certificate(), next.privateKey());
        }
        List<X509Certificate> bundle = new ArrayList<>();
        bundle.add(signing.certificate());
        for (X509Certificate trusted : trusted()) {
            if (!trusted.equals(signing.certificate()) && !trusted.equals(made.certificate())) {
                bundle.add(trusted);
            }
        }
        bundle.add(made.certificate());
        writeBundle(bundle);
        return made.certificate();
    }

    /**
     * Step 2: the next authority signs from now on and issues every certificate of the stack again ({@link
     * StackCredentials#rotate}, with {@code users}); the authorities trusted before stay in the bundle. Returns the
     * credentials renewed.
     */
    public List<String> switchOver(List<String> users, Instant now) {
        requireNoPeers();
        Credential next = next();
        if (!Files.exists(next.privateKey()) || !Files.exists(next.certificate())) {
            throw new IllegalStateException("no new authority to switch to (" + next.privateKey()
                    + " is missing): introduce one first (tendril credentials rotate --authority)");
        }
        CertificateAuthority made = CertificateAuthority.load(next);
        List<X509Certificate> bundle = new ArrayList<>();
        bundle.add(made.certificate());
        for (X509Certificate trusted : trusted()) {
            if (!trusted.equals(made.certificate())) {
                bundle.add(trusted);
            }
        }
        // Key first: a run cut short here leaves a bundle holding both, and loading picks the certificate by its key.
        SecretFiles.write(pki.authority().privateKey(), Pem.encode(made.privateKey()));
        writeBundle(bundle);
        try {
            Files.deleteIfExists(next.certificate());
            Files.deleteIfExists(next.privateKey());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + next, e);
        }
        return pki.rotate(users, now);
    }

    /**
     * Step 3: the trust bundle holds the signing authority alone. Refused (nothing changed) while a certificate of the
     * stack's services, nodes, Kafka clients or {@code users} is issued by another authority. Returns the authorities
     * no longer trusted.
     */
    public List<X509Certificate> retire(List<String> users) {
        if (stage() == Stage.INTRODUCED) {
            throw new IllegalStateException("the new authority does not sign yet: finish the rotation first "
                    + "(tendril credentials rotate --authority)");
        }
        CertificateAuthority signing = CertificateAuthority.load(pki.authority());
        List<String> behind = issuedByOthers(signing, users);
        if (!behind.isEmpty()) {
            throw new IllegalStateException("still issued by an authority this would stop trusting: "
                    + String.join(", ", behind) + " (tendril credentials rotate issues them again)");
        }
        List<X509Certificate> retired =
                trusted().stream().filter(c -> !c.equals(signing.certificate())).toList();
        if (!retired.isEmpty()) {
            writeBundle(List.of(signing.certificate()));
        }
        return retired;
    }

    /**
     * The stack's certificates ({@code services/}, {@code nodes/}, {@code kafka-clients/}, and {@code users} in
     * {@code users/}) not issued by {@code signing}, as {@code <kind>/<name>}.
     */
    private List<String> issuedByOthers(CertificateAuthority signing, List<String> users) {
        List<String> behind = new ArrayList<>();
        for (String kind : List.of("services", "nodes", StackCredentials.KAFKA_CLIENTS, "users")) {
            for (String name : pki.leafNames(kind)) {
                boolean stackCertificate = !kind.equals("users") || users.contains(name);
                if (stackCertificate
                        && !issuedBy(Pem.readCertificate(pki.leaf(kind, name).certificate()), signing)) {
                    behind.add(kind + "/" + name);
                }
            }
        }
        return behind;
    }

    private static boolean issuedBy(X509Certificate certificate, CertificateAuthority authority) {
        try {
            certificate.verify(authority.publicKey());
            return true;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private void requireNoPeers() {
        Path mesh = pki.directory().resolve(MESH_DIRECTORY);
        if (!Files.isDirectory(mesh)) {
            return;
        }
        try (Stream<Path> files = Files.list(mesh)) {
            List<String> peers = files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(PEER_AUTHORITY_SUFFIX))
                    .map(name -> name.substring(0, name.length() - PEER_AUTHORITY_SUFFIX.length()))
                    .sorted()
                    .toList();
            if (!peers.isEmpty()) {
                throw new IllegalStateException("ClusterMesh peers are connected (" + String.join(", ", peers)
                        + ") and keep a copy of this authority: disconnect them, rotate the authority, connect again");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + mesh, e);
        }
    }

    private void writeBundle(List<X509Certificate> bundle) {
        StringBuilder text = new StringBuilder();
        for (X509Certificate certificate : bundle) {
            text.append(Pem.encode(certificate));
        }
        SecretFiles.write(pki.authority().certificate(), text.toString());
    }
}
