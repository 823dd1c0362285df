package dev.tendril.testing.tls;

import dev.tendril.security.Credential;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns TLS and the access check on for a Quarkus test: the component serves HTTPS (and gRPC) only, with the
 * certificate of service {@code tendril.test.server-name} (init argument {@code server}, default identity), asks
 * clients for theirs, and enforces roles. The test finds the certificates with {@link #pki()}. The build-time half
 * ({@link #BUILD_TIME}) belongs in the test profile's config overrides.
 */
public final class SecuredStackResource implements QuarkusTestResourceLifecycleManager {

    /** Where the test finds the {@link TestPki} directory. */
    public static final String PKI_KEY = "tendril.test.pki";

    /** Asking for client certificates is fixed when Quarkus builds the application. */
    public static final Map<String, String> BUILD_TIME = Map.of("quarkus.http.ssl.client-auth", "request");

    private String serverName = "identity";

    @Override
    public void init(Map<String, String> initArgs) {
        serverName = initArgs.getOrDefault("server", serverName);
    }

    @Override
    public Map<String, String> start() {
        TestPki pki = TestPki.create(serverName);
        Credential server = pki.server(serverName);
        Map<String, String> config = new HashMap<>();
        // As the launcher configures a component: key and certificate from the one bundle file.
        config.put("quarkus.tls.key-store.pem.0.cert", server.bundle().toString());
        config.put("quarkus.tls.key-store.pem.0.key", server.bundle().toString());
        config.put("quarkus.tls.trust-store.pem.certs", pki.authority().toString());
        config.put("quarkus.http.insecure-requests", "disabled");
        config.put("quarkus.http.test-ssl-port", "0");
        config.put("tendril.tls.ca", pki.authority().toString());
        config.put("tendril.tls.cert", server.bundle().toString());
        config.put("tendril.tls.key", server.bundle().toString());
        config.put(PKI_KEY, pki.directory().toString());
        return config;
    }

    @Override
    public void stop() {
        // The temporary directory holds a few small files; the JVM's temp dir cleanup takes them.
    }

    /** The certificates of the running test's stack. */
    public static TestPki pki() {
        return new TestPki(java.nio.file.Path.of(
                org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue(PKI_KEY, String.class)));
    }
}
