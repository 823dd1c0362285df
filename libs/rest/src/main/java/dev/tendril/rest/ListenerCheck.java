package dev.tendril.rest;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Refuses to start a service or agent that would listen beyond this machine without TLS: on another address
 * its admin API and gRPC would be open in plaintext to the network. Loopback without TLS stays allowed (tests,
 * a developer's jar); TLS is on when the HTTP server uses a named TLS configuration
 * ({@code quarkus.http.tls-configuration-name}, set by the {@code tls} profile).
 */
@ApplicationScoped
public class ListenerCheck {

    void onStart(@Observes StartupEvent event) {
        Config config = ConfigProvider.getConfig();
        String host = config.getOptionalValue("quarkus.http.host", String.class).orElse("0.0.0.0");
        boolean tls = config.getOptionalValue("quarkus.http.tls-configuration-name", String.class)
                .filter(name -> !name.isBlank())
                .isPresent();
        refusal(host, tls).ifPresent(reason -> {
            throw new IllegalStateException(reason);
        });
    }

    /** Why a listener on {@code host} must not start, or empty when it may. */
    public static Optional<String> refusal(String host, boolean tls) {
        if (tls || isLoopback(host)) {
            return Optional.empty();
        }
        return Optional.of("refusing to listen on " + host + " without TLS: the admin API and gRPC would be open in "
                + "plaintext beyond this machine. Listen on 127.0.0.1 (quarkus.http.host) or turn TLS on "
                + "(tendril.tls.ca, tendril.tls.cert and tendril.tls.key with the 'tls' profile; './tendril up' "
                + "does both).");
    }

    private static boolean isLoopback(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        try {
            // Literal addresses only: a host name is not resolved here, and an unknown one is not loopback.
            return host.matches("[0-9.]+|\\[?[0-9a-fA-F:]+]?")
                    && InetAddress.getByName(host.replace("[", "").replace("]", ""))
                            .isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
