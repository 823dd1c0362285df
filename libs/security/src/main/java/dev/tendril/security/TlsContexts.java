package dev.tendril.security;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/** JDK TLS contexts from PEM files, for the clients built on java.net.http. */
public final class TlsContexts {

    private static final char[] NO_PASSWORD = new char[0];

    private TlsContexts() {}

    /**
     * A context that trusts the authorities in {@code trustedAuthorities} and, when {@code clientCredential} is
     * not null, presents that certificate to the other end (a server that asks for one, or a client).
     */
    public static SSLContext of(java.nio.file.Path trustedAuthorities, Credential clientCredential) {
        return of(
                Pem.readCertificates(trustedAuthorities),
                clientCredential == null ? null : Pem.readPrivateKey(clientCredential.privateKey()),
                clientCredential == null ? List.of() : Pem.readCertificates(clientCredential.certificate()));
    }

    /**
     * A server's context that trusts the authorities {@code trustedAuthorities} holds at each handshake and presents
     * what {@code own}'s bundle holds then: a rotation ({@code tendril credentials rotate}, of the leaves or of the
     * authority) reaches new connections without a restart. A credential without a bundle (written before bundles
     * existed) is read once, as {@link #of(java.nio.file.Path, Credential)} does.
     */
    public static SSLContext reloading(java.nio.file.Path trustedAuthorities, Credential own) {
        KeyManager[] keys = java.nio.file.Files.isRegularFile(own.bundle())
                ? new KeyManager[] {new ReloadingKeyManager(own.bundle())}
                : keyManagers(Pem.readPrivateKey(own.privateKey()), Pem.readCertificates(own.certificate()));
        return context(keys, new TrustManager[] {new ReloadingTrustManager(trustedAuthorities)});
    }

    /**
     * The same from certificates and a key already read (a config file's inline data): trusts {@code authorities}
     * and, when {@code key} is not null, presents {@code chain} with it.
     */
    public static SSLContext of(List<X509Certificate> authorities, PrivateKey key, List<X509Certificate> chain) {
        return context(authorities, keyManagers(key, chain));
    }

    /** The key managers that present {@code chain} with {@code key}; none to present when {@code key} is null. */
    static KeyManager[] keyManagers(PrivateKey key, List<X509Certificate> chain) {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(null, null);
            if (key != null) {
                keyStore.setKeyEntry("client", key, NO_PASSWORD, chain.toArray(X509Certificate[]::new));
            }
            keys.init(keyStore, NO_PASSWORD);
            return keys.getKeyManagers();
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    private static SSLContext context(List<X509Certificate> authorities, KeyManager[] keys) {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore(authorities));
            return context(keys, trust.getTrustManagers());
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    private static SSLContext context(KeyManager[] keys, TrustManager[] trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    static KeyStore trustStore(List<X509Certificate> authorities) throws GeneralSecurityException, java.io.IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < authorities.size(); i++) {
            store.setCertificateEntry("ca-" + i, authorities.get(i));
        }
        return store;
    }
}
