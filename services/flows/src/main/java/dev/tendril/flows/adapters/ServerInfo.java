package dev.tendril.flows.adapters;

import io.quarkus.runtime.LaunchMode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What the Observer and Peer APIs say about this server: its version (ServerStatus, GetNodes), as Hubble
 * reports Cilium's, and where clients reach its gRPC (GetNodes {@code address}, peer.Peer).
 */
@ApplicationScoped
public class ServerInfo {

    // Quarkus sets it from the Maven project version at build time.
    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

    @Inject
    FlowsConfig config;

    public String version() {
        return version;
    }

    private volatile String host;

    public String address() {
        return config.advertisedAddress().orElseGet(() -> host() + ":" + httpPort());
    }

    public String clusterName() {
        return config.clusterName();
    }

    // Read when asked: with port 0 (tests) Quarkus stores the port it bound once listening.
    private static int httpPort() {
        String key = LaunchMode.current() == LaunchMode.TEST ? "quarkus.http.test-port" : "quarkus.http.port";
        return ConfigProvider.getConfig().getOptionalValue(key, Integer.class).orElse(8084);
    }

    // Looked up once: a resolver round trip per GetNodes or peer notification is not worth it.
    private String host() {
        String h = host;
        if (h == null) {
            try {
                h = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                h = "localhost";
            }
            host = h;
        }
        return h;
    }
}
