package dev.tendril.rest.security;

import dev.tendril.security.ClientTls;
import dev.tendril.security.ReloadingHttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * This component as a client of the rest of the stack: the stack's authority and its own certificate
 * ({@code tendril.tls.ca}, {@code tendril.tls.cert}, {@code tendril.tls.key}, set by the launcher), or plaintext
 * when no authority is set. The files are read again after {@code tendril credentials rotate} changed them.
 */
@ApplicationScoped
public class ComponentTls {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    @ConfigProperty(name = "tendril.tls.ca")
    Optional<String> tlsCa;

    @ConfigProperty(name = "tendril.tls.cert")
    Optional<String> tlsCert;

    @ConfigProperty(name = "tendril.tls.key")
    Optional<String> tlsKey;

    private ClientTls tls;
    private ReloadingHttpClient http;

    /** The authority and certificate, or {@link ClientTls#PLAINTEXT}. */
    public synchronized ClientTls client() {
        if (tls == null) {
            tls = ClientTls.fromProperties(tlsCa.orElse(null), tlsCert.orElse(null), tlsKey.orElse(null));
        }
        return tls;
    }

    /** An HTTP client presenting this component's certificate (2 s to connect), made again after a rotation. */
    public synchronized HttpClient http() {
        if (http == null) {
            http = new ReloadingHttpClient(client(), builder -> builder.connectTimeout(CONNECT_TIMEOUT));
        }
        return http.current();
    }
}
