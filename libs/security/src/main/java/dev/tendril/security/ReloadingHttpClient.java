package dev.tendril.security;

import java.net.http.HttpClient;
import java.util.function.UnaryOperator;

/**
 * An HTTP client with a {@link ClientTls}'s material, made again when the material changed: a client that lives as
 * long as its process (the launcher's health probe, {@code tendril ui}'s proxy, a service's calls to another) follows
 * {@code tendril credentials rotate}, an authority's included, on its next request. Connections the old client keeps
 * open finish with the material they were made with.
 */
public final class ReloadingHttpClient {

    private final ClientTls tls;
    private final UnaryOperator<HttpClient.Builder> settings;
    private HttpClient client;
    private long generation = -1;

    /** @param settings everything but TLS (timeouts, version), applied to every new builder */
    public ReloadingHttpClient(ClientTls tls, UnaryOperator<HttpClient.Builder> settings) {
        this.tls = tls;
        this.settings = settings;
    }

    public ClientTls tls() {
        return tls;
    }

    /** The client for the next request: the same one until a file of {@link #tls()} changes. */
    public synchronized HttpClient current() {
        long now = tls.enabled() ? tls.generation() : 0;
        if (client == null || now != generation) {
            client = tls.configure(settings.apply(HttpClient.newBuilder())).build();
            generation = now;
        }
        return client;
    }
}
