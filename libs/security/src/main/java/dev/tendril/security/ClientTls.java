package dev.tendril.security;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How a client of the stack connects: plaintext, or TLS trusting the stack's authority and presenting its own
 * certificate. Material from files is read again when a file changed since the last context, so a client that
 * builds its connections through {@link #context()} picks up {@code tendril credentials rotate} without a restart.
 */
public final class ClientTls {

    /** No TLS: {@code http://}, no certificate (the tests' plaintext services, an unconfigured CLI). */
    public static final ClientTls PLAINTEXT = new ClientTls(null, null, null, null);

    private final Path authorities;
    private final Credential credential;
    private final Inline inline;
    private final String origin;

    private List<FileTime> readAt = List.of();
    private SSLContext context;
    private long generation;

    private record Inline(List<X509Certificate> authorities, PrivateKey key, List<X509Certificate> chain) {}

    private ClientTls(Path authorities, Credential credential, Inline inline, String origin) {
        this.authorities = authorities;
        this.credential = credential;
        this.inline = inline;
        this.origin = origin;
    }

    /** TLS from files: the trusted authorities' PEM bundle and the client's credential (null: none presented). */
    public static ClientTls files(Path authorities, Credential credential) {
        return new ClientTls(
                Objects.requireNonNull(authorities, "authorities"), credential, null, authorities.toString());
    }

    /** TLS from PEM text (a config file's {@code -data} fields); {@code certificatePem} null: none presented. */
    public static ClientTls pem(String authoritiesPem, String certificatePem, String keyPem, String origin) {
        List<X509Certificate> cas = Pem.parseCertificates(authoritiesPem, origin + " certificate-authority-data");
        PrivateKey key = certificatePem == null ? null : Pem.parsePrivateKey(keyPem, origin + " client-key-data");
        List<X509Certificate> chain = certificatePem == null
                ? List.of()
                : Pem.parseCertificates(certificatePem, origin + " client-certificate-data");
        return new ClientTls(null, null, new Inline(cas, key, chain), origin);
    }

    /**
     * TLS from the files a component is configured with ({@code tendril.tls.ca}, {@code tendril.tls.cert},
     * {@code tendril.tls.key}); plaintext when the authority is not set (null or blank).
     */
    public static ClientTls fromProperties(String ca, String cert, String key) {
        if (ca == null || ca.isBlank()) {
            return PLAINTEXT;
        }
        Credential own = cert == null || cert.isBlank() ? null : new Credential(Path.of(cert), Path.of(key));
        return files(Path.of(ca), own);
    }

    /** The trusted authorities' file, or null (plaintext or inline material). */
    public Path authorities() {
        return authorities;
    }

    /** The client's certificate and key files, or null. */
    public Credential credential() {
        return credential;
    }

    /**
     * A number that changes whenever the material was read again because a file changed: a client holding
     * long-lived connections (gRPC channels) opens new ones when it differs from the one they were made with.
     */
    public synchronized long generation() {
        context();
        return generation;
    }

    public boolean enabled() {
        return authorities != null || inline != null;
    }

    /** {@code https} with TLS, else {@code http}. */
    public String scheme() {
        return enabled() ? "https" : "http";
    }

    /** Where the material comes from, for messages. */
    public String origin() {
        return origin == null ? "plaintext" : origin;
    }

    /** The certificate this client presents, or null (plaintext, or TLS without a client certificate). */
    public X509Certificate certificate() {
        if (inline != null) {
            return inline.chain().isEmpty() ? null : inline.chain().getFirst();
        }
        return credential == null ? null : Pem.readCertificate(credential.certificate());
    }

    /** The TLS context for a new connection; built again when one of its files changed. */
    public synchronized SSLContext context() {
        if (!enabled()) {
            throw new IllegalStateException("plaintext: no TLS context");
        }
        if (inline != null) {
            if (context == null) {
                context = TlsContexts.of(inline.authorities(), inline.key(), inline.chain());
            }
            return context;
        }
        List<FileTime> now = modified();
        if (context == null || !now.equals(readAt)) {
            context = TlsContexts.of(authorities, credential);
            readAt = now;
            generation++;
        }
        return context;
    }

    /** {@code builder} with this TLS context, or unchanged for plaintext. */
    public HttpClient.Builder configure(HttpClient.Builder builder) {
        return enabled() ? builder.sslContext(context()) : builder;
    }

    private List<FileTime> modified() {
        List<Path> files = new ArrayList<>(List.of(authorities));
        if (credential != null) {
            files.add(credential.certificate());
            files.add(credential.privateKey());
        }
        List<FileTime> times = new ArrayList<>();
        for (Path file : files) {
            try {
                times.add(Files.getLastModifiedTime(file));
            } catch (IOException e) {
                times.add(FileTime.fromMillis(0));
            }
        }
        return times;
    }
}
