package dev.tendril.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The credentials of one local stack, in {@code <data-dir>/pki} (0700, every file 0600):
 *
 * <pre>
 * ca.crt, ca.key                      the stack's certificate authority
 * services/&lt;name&gt;.crt, .key, .pem   identity, ipam, policy, flows, kafka: CN=service:&lt;name&gt;, O=service
 * nodes/&lt;node&gt;.crt, .key, .pem      one per node agent: CN=node:&lt;node&gt;, O=node
 * users/&lt;user&gt;.crt, .key, .pem      CLI users: CN=&lt;user&gt;, O=viewer|operator|admin
 * </pre>
 *
 * Each leaf's {@code .pem} holds its key then its certificate ({@link Credential#bundle()}), replaced as one file:
 * what running components read, so that a reload during a rotation never pairs a new certificate with an old key.
 *
 * Every {@code ensure...} keeps a credential that is still good (issued by this authority, its subject and host
 * names unchanged, more than {@link #RENEW_BEFORE} left) and issues a new one otherwise, so a restart of the
 * stack reuses what it made before.
 */
public final class StackCredentials {

    public static final Duration AUTHORITY_VALIDITY = Duration.ofDays(3650);
    public static final Duration LEAF_VALIDITY = Duration.ofDays(365);
    public static final Duration RENEW_BEFORE = Duration.ofDays(30);
    /** Issued a little in the past, so that a clock a few minutes behind still accepts a new certificate. */
    static final Duration BACKDATE = Duration.ofMinutes(5);

    private final Path directory;

    private StackCredentials(Path directory) {
        this.directory = directory;
    }

    public static StackCredentials in(Path pkiDirectory) {
        return new StackCredentials(pkiDirectory);
    }

    public Path directory() {
        return directory;
    }

    public Credential authority() {
        return new Credential(directory.resolve("ca.crt"), directory.resolve("ca.key"));
    }

    public Credential service(String name) {
        return leaf("services", name);
    }

    public Credential node(String nodeName) {
        return leaf("nodes", nodeName);
    }

    public Credential user(String userName) {
        return leaf("users", userName);
    }

    /** The names of the certificates in {@code <kind>/} ({@code services}, {@code nodes}, ...), sorted; none without it. */
    List<String> leafNames(String kind) {
        Path dir = directory.resolve(kind);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".crt"))
                    .map(name -> name.substring(0, name.length() - ".crt".length()))
                    .sorted()
                    .toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + dir, e);
        }
    }

    Credential leaf(String kind, String name) {
        Path dir = directory.resolve(kind);
        return new Credential(dir.resolve(name + ".crt"), dir.resolve(name + ".key"));
    }

    /** The authority, created on first use. */
    public CertificateAuthority ensureAuthority(Instant now) {
        SecretFiles.directory(directory);
        Credential files = authority();
        if (Files.exists(files.certificate()) && Files.exists(files.privateKey())) {
            return CertificateAuthority.load(files);
        }
        CertificateAuthority created =
                CertificateAuthority.create("tendril-ca", now.minus(BACKDATE), now.plus(AUTHORITY_VALIDITY));
        created.writeTo(files.certificate(), files.privateKey());
        return created;
    }

    public Credential ensureService(String name, List<String> hostNames, Instant now) {
        return ensure(service(name), Subject.service(name), hostNames, now);
    }

    public Credential ensureNode(String nodeName, List<String> hostNames, Instant now) {
        return ensure(node(nodeName), Subject.node(nodeName), hostNames, now);
    }

    public Credential ensureUser(String userName, String role, Instant now) {
        return ensure(user(userName), Subject.user(userName, role), List.of(), now);
    }

    /** Issues {@code subject} a new certificate into {@code files} unless the one there is still good. */
    public Credential ensure(Credential files, Subject subject, List<String> hostNames, Instant now) {
        CertificateAuthority authority = ensureAuthority(now);
        if (stillGood(files, authority, subject, hostNames, now)) {
            // A bundle missing (a data directory from before bundles) or behind its two files (a write cut short).
            String bundle = bundle(files);
            if (!bundle.equals(readOrEmpty(files.bundle()))) {
                SecretFiles.write(files.bundle(), bundle);
            }
            return files;
        }
        return issue(files, subject, hostNames, now);
    }

    /**
     * A new certificate and key for {@code subject} in {@code files}, whatever was there (rotation), and then both in its
     * {@link Credential#bundle()}, which running components reload.
     */
    public Credential issue(Credential files, Subject subject, List<String> hostNames, Instant now) {
        CertificateAuthority authority = ensureAuthority(now);
        IssuedCertificate issued = authority.issue(subject, hostNames, now.minus(BACKDATE), now.plus(LEAF_VALIDITY));
        issued.writeTo(files.certificate(), files.privateKey());
        SecretFiles.write(files.bundle(), issued.privateKeyPem() + issued.certificatePem());
        return files;
    }

    /**
     * A certificate for the key of {@code request} (whose holder keeps the private key), valid as this directory's
     * leaves are, for {@code subject}: the caller decides what a request may ask for.
     */
    public java.security.cert.X509Certificate sign(CertificateRequest request, Subject subject, Instant now) {
        return ensureAuthority(now)
                .sign(subject, request.publicKey(), List.of(), now.minus(BACKDATE), now.plus(LEAF_VALIDITY));
    }

    /**
     * Rotation: a new certificate and key, with the same subject and host names, for every service and node in this
     * directory, every Kafka client ({@code kafka-clients/}) and {@code users}, each with its bundle {@code <name>.pem}
     * written again whole after its two files; the authority stays. Returns the credentials
     * renewed, as {@code services/<name>}, {@code nodes/<node>}, {@code kafka-clients/<name>}, {@code users/<user>}.
     */
    public List<String> rotate(List<String> users, Instant now) {
        List<String> renewed = new java.util.ArrayList<>();
        for (String kind : List.of("services", "nodes", KAFKA_CLIENTS)) {
            for (String name : leafNames(kind)) {
                reissue(leaf(kind, name), now);
                renewed.add(kind + "/" + name);
            }
        }
        for (String user : users) {
            if (Files.exists(user(user).certificate())) {
                reissue(user(user), now);
                renewed.add("users/" + user);
            }
        }
        return renewed;
    }

    /**
     * The Kafka clients' credentials: {@code <name>.crt} and {@code .key}, and {@code <name>.pem} with the key then the
     * certificate, the PEM key store a Kafka client reads ({@code ssl.keystore.location}).
     */
    public static final String KAFKA_CLIENTS = "kafka-clients";

    /** The key, then the certificate, from their files: what {@link Credential#bundle()} holds. */
    public static String bundle(Credential credential) {
        try {
            return Files.readString(credential.privateKey()) + Files.readString(credential.certificate());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + credential, e);
        }
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private void reissue(Credential files, Instant now) {
        X509Certificate existing = Pem.readCertificate(files.certificate());
        String name = existing.getSubjectX500Principal().getName();
        Subject subject = new Subject(Subject.commonNameOf(name), organizationOf(name));
        issue(files, subject, CertificateNames.hostNames(existing), now);
    }

    private static String organizationOf(String distinguishedName) {
        try {
            for (javax.naming.ldap.Rdn rdn : new javax.naming.ldap.LdapName(distinguishedName).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("O")) {
                    return rdn.getValue().toString();
                }
            }
        } catch (javax.naming.InvalidNameException e) {
            throw new IllegalArgumentException("unreadable subject " + distinguishedName, e);
        }
        throw new IllegalArgumentException("no organization in " + distinguishedName);
    }

    private static boolean stillGood(
            Credential files, CertificateAuthority authority, Subject subject, List<String> hostNames, Instant now) {
        if (!Files.exists(files.certificate()) || !Files.exists(files.privateKey())) {
            return false;
        }
        try {
            X509Certificate existing = Pem.readCertificate(files.certificate());
            existing.verify(authority.publicKey());
            boolean sameSubject = existing.getSubjectX500Principal()
                    .equals(new javax.security.auth.x500.X500Principal(subject.distinguishedName()));
            boolean fresh = existing.getNotAfter().toInstant().isAfter(now.plus(RENEW_BEFORE));
            return sameSubject
                    && fresh
                    && CertificateNames.hostNames(existing)
                            .equals(hostNames.stream()
                                    .map(CertificateNames::normalized)
                                    .toList());
        } catch (GeneralSecurityException | IllegalArgumentException unreadable) {
            return false;
        }
    }
}
