package dev.tendril.flows.adapters;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
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

    @ConfigProperty(name = "quarkus.http.port", defaultValue = "8084")
    int httpPort;

    @Inject
    FlowsConfig config;

    public String version() {
        return version;
    }

    public String address() {
        return config.advertisedAddress().orElseGet(() -> host() + ":" + httpPort);
    }

    public String clusterName() {
        return config.clusterName();
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
