package dev.tendril.security;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A trust manager that trusts what a bundle of authorities ({@code pki/ca.crt}) holds now: it looks at the file at
 * every check and reads it again when it was replaced, so a server built once follows an authority rotation
 * ({@link AuthorityRotation}). A bundle it cannot read leaves the last one in use.
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {

    private record Loaded(Object version, X509ExtendedTrustManager trust) {}

    private final Path bundle;
    private volatile Loaded current;

    ReloadingTrustManager(Path bundle) {
        this.bundle = bundle;
        Object version = version();
        this.current = new Loaded(version, load(Pem.readCertificates(bundle)));
    }

    private X509ExtendedTrustManager now() {
        Object version = version();
        Loaded loaded = current;
        if (Objects.equals(loaded.version(), version)) {
            return loaded.trust();
        }
        synchronized (this) {
            if (!Objects.equals(current.version(), version)) {
                try {
                    current = new Loaded(version, load(Pem.readCertificates(bundle)));
                } catch (RuntimeException unreadable) {
                    // Caught mid-write or gone: keep trusting what was read last.
                }
            }
            return current.trust();
        }
    }

    private Object version() {
        return FileVersion.of(bundle);
    }

    private static X509ExtendedTrustManager load(List<X509Certificate> authorities) {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(TlsContexts.trustStore(authorities));
            return (X509ExtendedTrustManager) factory.getTrustManagers()[0];
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager: " + e.getMessage(), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        now().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        now().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        now().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        now().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        now().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        now().checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return now().getAcceptedIssuers();
    }
}
