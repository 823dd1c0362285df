package dev.tendril.rest.security;

import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Whether requests are authenticated and authorized: {@code tendril.security.enabled} when set, else whenever the
 * component has its own TLS credential ({@code tendril.tls.cert}). Neither is set in the test profile, so suites
 * that do not test security run as before.
 */
@Singleton
public class SecuritySwitch {

    private final boolean enforced;

    public SecuritySwitch(
            @ConfigProperty(name = "tendril.security.enabled") Optional<Boolean> enabled,
            @ConfigProperty(name = "tendril.tls.cert") Optional<String> certificate) {
        this.enforced =
                enabled.orElseGet(() -> certificate.filter(c -> !c.isBlank()).isPresent());
    }

    public boolean enforced() {
        return enforced;
    }
}
