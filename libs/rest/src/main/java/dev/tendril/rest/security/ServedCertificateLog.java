package dev.tendril.rest.security;

import io.quarkus.tls.CertificateUpdatedEvent;
import io.quarkus.tls.TlsConfiguration;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.math.BigInteger;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * One log line when this component starts serving another certificate (after {@code tendril credentials rotate}),
 * none otherwise. Quarkus reloads the TLS files every {@code reload-period} (10 s) whether or not they changed, and its
 * own listener logs each reload at INFO, twice every 10 s per component: the components' properties set that
 * category ({@code io.quarkus.vertx.http.runtime.HttpCertificateUpdateEventListener}) to WARN, so its failures still
 * show.
 */
@ApplicationScoped
public class ServedCertificateLog {

    private static final Logger LOG = Logger.getLogger(ServedCertificateLog.class);

    /** The serial number each TLS configuration served at its last reload. */
    private final Map<String, BigInteger> served = new ConcurrentHashMap<>();

    void updated(@Observes CertificateUpdatedEvent event) {
        change(event.name(), keyStore(event.tlsConfiguration())).ifPresent(LOG::info);
    }

    /**
     * What to log when the key store of {@code configuration} now serves a certificate other than at the last call
     * (empty the first time, when nothing changed, or when there is no key store).
     */
    Optional<String> change(String configuration, KeyStore keyStore) {
        Optional<X509Certificate> leaf = leaf(keyStore);
        if (leaf.isEmpty()) {
            return Optional.empty();
        }
        BigInteger serial = leaf.get().getSerialNumber();
        BigInteger before = served.put(configuration, serial);
        if (before == null || before.equals(serial)) {
            return Optional.empty();
        }
        return Optional.of(String.format(
                "TLS configuration '%s': serving certificate %s (serial %s, valid until %s), was serial %s",
                configuration,
                leaf.get().getSubjectX500Principal().getName(),
                serial.toString(16),
                leaf.get().getNotAfter().toInstant(),
                before.toString(16)));
    }

    private static KeyStore keyStore(TlsConfiguration configuration) {
        return configuration == null ? null : configuration.getKeyStore();
    }

    private static Optional<X509Certificate> leaf(KeyStore keyStore) {
        if (keyStore == null) {
            return Optional.empty();
        }
        try {
            for (String alias : Collections.list(keyStore.aliases())) {
                if (keyStore.isKeyEntry(alias)) {
                    Certificate certificate = keyStore.getCertificate(alias);
                    if (certificate instanceof X509Certificate x509) {
                        return Optional.of(x509);
                    }
                }
            }
        } catch (KeyStoreException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
