package dev.tendril.testing.tls;

import dev.tendril.security.Credential;
import dev.tendril.security.TlsContexts;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** HTTPS and gRPC clients that trust a stack's authority and present a given certificate (or none: null). */
public final class TlsClients {

    private TlsClients() {}

    public static HttpClient https(Path authority, Credential credential) {
        return HttpClient.newBuilder()
                .sslContext(TlsContexts.of(authority, credential))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    public static ManagedChannel grpc(String host, int port, Path authority, Credential credential) {
        try {
            TlsChannelCredentials.Builder tls =
                    TlsChannelCredentials.newBuilder().trustManager(authority.toFile());
            if (credential != null) {
                tls.keyManager(
                        credential.certificate().toFile(),
                        credential.privateKey().toFile());
            }
            ChannelCredentials credentials = tls.build();
            return Grpc.newChannelBuilderForAddress(host, port, credentials).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One request: status and body, or the transport's refusal (a TLS handshake the server turned down). */
    public record Answer(int status, String body, IOException refused) {

        public boolean wasRefused() {
            return refused != null;
        }
    }

    public static Answer send(HttpClient client, String method, URI uri, String jsonBody) {
        return send(client, method, uri, jsonBody, "application/json");
    }

    public static Answer send(HttpClient client, String method, URI uri, String body, String contentType) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(), null);
        } catch (IOException e) {
            return new Answer(0, null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
