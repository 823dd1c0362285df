package dev.tendril.ipam.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.api.v1.IpamGrpc;
import dev.tendril.api.v1.RegisterNodeRequest;
import dev.tendril.security.ClientTls;
import dev.tendril.security.Credential;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.Subject;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, "a plaintext connection to a TLS port": with the {@code tls} profile the service speaks only TLS on its
 * port, REST and gRPC alike; a plaintext request is refused and changes nothing, while a client trusting the stack's
 * authority and presenting its certificate is served by the service's own certificate.
 */
@QuarkusTest
@TestProfile(TlsBoundaryTest.Tls.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class TlsBoundaryTest {

    /** The {@code tls} profile on top of {@code test}, with credentials from a certificate authority of its own. */
    public static final class Tls implements QuarkusTestProfile {

        static final StackCredentials PKI = credentials();

        private static StackCredentials credentials() {
            try {
                StackCredentials pki = StackCredentials.in(
                        Files.createTempDirectory("ipam-tls").resolve("pki"));
                Instant now = Instant.now();
                pki.ensureService("ipam", List.of("localhost", "127.0.0.1"), now);
                pki.ensureNode("tls-2", List.of("localhost", "127.0.0.1"), now);
                pki.ensureUser("admin", Subject.ROLE_ADMIN, now);
                return pki;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public String getConfigProfile() {
            return "test,tls";
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Credential own = PKI.service("ipam");
            return Map.of(
                    "tendril.tls.ca", PKI.authority().certificate().toString(),
                    "tendril.tls.cert", own.certificate().toString(),
                    "tendril.tls.key", own.privateKey().toString());
        }
    }

    @TestHTTPResource(value = "/", tls = true)
    URL tlsUrl;

    private HttpClient client(ClientTls tls) {
        return tls.configure(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1))
                .build();
    }

    private URI at(String scheme, String path) {
        return URI.create(scheme + "://127.0.0.1:" + tlsUrl.getPort() + path);
    }

    private static HttpRequest putNode(URI uri) {
        return HttpRequest.newBuilder(uri)
                .PUT(HttpRequest.BodyPublishers.ofString("{\"ips\":[\"192.168.40.1\"]}"))
                .header("Content-Type", "application/json")
                .build();
    }

    private ClientTls admin() {
        return ClientTls.files(Tls.PKI.authority().certificate(), Tls.PKI.user("admin"));
    }

    @Test
    void aPlaintextRestRequestIsRefusedAndChangesNothing() throws Exception {
        HttpClient plaintext = client(ClientTls.PLAINTEXT);
        assertThatThrownBy(() ->
                        plaintext.send(putNode(at("http", "/v1/nodes/plain-1")), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);

        HttpResponse<String> after = client(admin())
                .send(
                        HttpRequest.newBuilder(at("https", "/v1/nodes/plain-1"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(after.statusCode()).as(after.body()).isEqualTo(404);
    }

    @Test
    void aPlaintextGrpcCallIsRefusedAndChangesNothing() throws Exception {
        ManagedChannel plaintext = ManagedChannelBuilder.forAddress("127.0.0.1", tlsUrl.getPort())
                .usePlaintext()
                .build();
        try {
            assertThatThrownBy(() -> IpamGrpc.newBlockingStub(plaintext)
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .registerNode(RegisterNodeRequest.newBuilder()
                                    .setName("plain-2")
                                    .addIps("192.168.40.2")
                                    .build()))
                    .isInstanceOf(StatusRuntimeException.class);
        } finally {
            plaintext.shutdownNow();
        }
        HttpResponse<String> after = client(admin())
                .send(
                        HttpRequest.newBuilder(at("https", "/v1/nodes/plain-2"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(after.statusCode()).as(after.body()).isEqualTo(404);
    }

    @Test
    void aClientOfTheStackIsServedOverTlsByTheServicesCertificate() throws Exception {
        HttpResponse<String> response =
                client(admin()).send(putNode(at("https", "/v1/nodes/tls-1")), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        X509Certificate served =
                (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
        assertThat(served.getSubjectX500Principal().getName()).contains("CN=service:ipam");
    }

    @Test
    void anAgentsGrpcChannelWithItsNodeCertificateIsServed() throws Exception {
        Credential node = Tls.PKI.node("tls-2");
        ManagedChannel channel = Grpc.newChannelBuilder(
                        "localhost:" + tlsUrl.getPort(),
                        TlsChannelCredentials.newBuilder()
                                .keyManager(
                                        node.certificate().toFile(),
                                        node.privateKey().toFile())
                                .trustManager(Tls.PKI.authority().certificate().toFile())
                                .build())
                .build();
        try {
            var registered = IpamGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .registerNode(RegisterNodeRequest.newBuilder()
                            .setName("tls-2")
                            .addIps("192.168.40.3")
                            .build())
                    .getNode();
            assertThat(registered.getPodCidrsList()).hasSize(2);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void healthStaysOpenToAClientWithoutACertificate() throws Exception {
        ClientTls anonymous = ClientTls.files(Tls.PKI.authority().certificate(), null);
        HttpResponse<String> live = client(anonymous)
                .send(
                        HttpRequest.newBuilder(at("https", "/q/health/live"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
    }
}
