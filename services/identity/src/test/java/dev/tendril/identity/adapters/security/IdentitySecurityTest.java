package dev.tendril.identity.adapters.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.api.v1.DeregisterEndpointRequest;
import dev.tendril.api.v1.IdentityServiceGrpc;
import dev.tendril.api.v1.ListEndpointsRequest;
import dev.tendril.api.v1.RegisterEndpointRequest;
import dev.tendril.api.v1.UpsertNamespaceRequest;
import dev.tendril.security.Credential;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.tls.SecuredStackResource;
import dev.tendril.testing.tls.TestPki;
import dev.tendril.testing.tls.TlsClients;
import dev.tendril.testing.tls.TlsClients.Answer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The identity service with TLS and roles on: every refusal says what is missing and changes nothing; agents act
 * only on their own node.
 */
@QuarkusTest
@TestProfile(IdentitySecurityTest.Secured.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IdentitySecurityTest {

    public static class Secured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return SecuredStackResource.BUILD_TIME;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SecuredStackResource.class, Map.of("server", "identity")));
        }
    }

    private final TestPki pki = SecuredStackResource.pki();

    private static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
    }

    private static URI uri(String path) {
        return URI.create("https://localhost:" + port() + path);
    }

    private Answer call(Credential who, String method, String path, String body) {
        return TlsClients.send(TlsClients.https(pki.authority(), who), method, uri(path), body);
    }

    private <T> T grpc(Credential who, Function<IdentityServiceGrpc.IdentityServiceBlockingStub, T> call) {
        ManagedChannel channel = TlsClients.grpc("localhost", port(), pki.authority(), who);
        try {
            return call.apply(IdentityServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow();
        }
    }

    private static String name(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void healthIsOpenWithoutACertificateAndMetricsAreNot() {
        assertThat(call(null, "GET", "/q/health/ready", null).status()).isEqualTo(200);
        Answer metrics = call(null, "GET", "/q/metrics", null);
        assertThat(metrics.status()).isEqualTo(401);
        assertThat(metrics.body()).contains("no client certificate").contains("viewer");
        assertThat(call(pki.user("viewer"), "GET", "/q/metrics", null).status()).isEqualTo(200);
    }

    @Test
    void noCertificateIs401AsProblemJsonAndCreatesNothing() {
        String ns = name("anon");
        Answer answer = call(null, "PUT", "/v1/namespaces/" + ns, "{\"labels\":{}}");
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.body())
                .contains("\"status\":401")
                .contains("no client certificate")
                .contains("PUT /v1/namespaces/" + ns)
                .contains("operator or admin");
        assertThat(call(pki.user("admin"), "GET", "/v1/namespaces/" + ns, null).status())
                .isEqualTo(404);
    }

    @Test
    void aViewerReadsButCannotWriteAndTheRefusalNamesBothRoles() {
        String ns = name("viewer");
        assertThat(call(pki.user("operator"), "PUT", "/v1/namespaces/" + ns, "{\"labels\":{}}")
                        .status())
                .isEqualTo(200);
        assertThat(call(pki.user("viewer"), "GET", "/v1/namespaces/" + ns, null).status())
                .isEqualTo(200);

        Answer delete = call(pki.user("viewer"), "DELETE", "/v1/namespaces/" + ns, null);
        assertThat(delete.status()).isEqualTo(403);
        assertThat(delete.body())
                .contains("\"status\":403")
                .contains("needs role operator or admin")
                .contains("CN=viewer (role viewer)");
        assertThat(call(pki.user("admin"), "GET", "/v1/namespaces/" + ns, null).status())
                .isEqualTo(200);
    }

    @Test
    void expiredAndForeignCertificatesAreTurnedAwayAndChangeNothing() {
        for (Credential bad : List.of(pki.expired(), pki.foreign())) {
            String ns = name("bad");
            Answer answer = call(bad, "PUT", "/v1/namespaces/" + ns, "{\"labels\":{}}");
            assertThat(answer.wasRefused() || answer.status() == 401)
                    .as("%s: handshake refused or 401, was %s %s", bad.certificate(), answer.status(), answer.body())
                    .isTrue();
            assertThat(call(pki.user("admin"), "GET", "/v1/namespaces/" + ns, null)
                            .status())
                    .isEqualTo(404);
        }
    }

    @Test
    void aNodeCannotWriteNamespacesOverRestOrGrpc() {
        String ns = name("nodens");
        assertThat(call(pki.node("node-1"), "PUT", "/v1/namespaces/" + ns, "{\"labels\":{}}")
                        .status())
                .isEqualTo(403);
        assertThatThrownBy(() -> grpc(
                        pki.node("node-1"),
                        s -> s.upsertNamespace(
                                UpsertNamespaceRequest.newBuilder().setName(ns).build())))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription())
                            .contains("tendril.v1.IdentityService/UpsertNamespace")
                            .contains("operator or admin")
                            .contains("CN=node:node-1 (role node)");
                });
        assertThat(call(pki.user("admin"), "GET", "/v1/namespaces/" + ns, null).status())
                .isEqualTo(404);
    }

    @Test
    void grpcWithoutACertificateIsUnauthenticated() {
        assertThatThrownBy(() -> grpc(null, s -> s.listEndpoints(ListEndpointsRequest.getDefaultInstance())))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                    assertThat(e.getStatus().getDescription()).contains("no client certificate");
                });
    }

    @Test
    void anAgentRegistersPodsOnlyOnItsOwnNode() {
        String ns = name("agents");
        assertThat(call(pki.user("operator"), "PUT", "/v1/namespaces/" + ns, "{\"labels\":{}}")
                        .status())
                .isEqualTo(200);
        RegisterEndpointRequest onNode2 = RegisterEndpointRequest.newBuilder()
                .setNamespace(ns)
                .setPod("web")
                .setUid("u-2")
                .setNode("node-2")
                .addIps("10.97.2.5")
                .putLabels("app", "web")
                .build();

        assertThatThrownBy(() -> grpc(pki.node("node-1"), s -> s.registerEndpoint(onNode2)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription())
                            .startsWith("node: ")
                            .contains("CN=node:node-1 may act only on its own node node-1")
                            .contains("node-2");
                });
        assertThat(endpointsIn(ns)).isZero();

        assertThat(grpc(pki.node("node-2"), s -> s.registerEndpoint(onNode2)).getNode())
                .isEqualTo("node-2");
        assertThat(endpointsIn(ns)).isOne();

        // node-1 can neither take the pod over by naming itself nor deregister it.
        assertThatThrownBy(() -> grpc(
                        pki.node("node-1"),
                        s -> s.registerEndpoint(onNode2.toBuilder()
                                .setNode("node-1")
                                .setUid("u-1")
                                .setIps(0, "10.97.1.5")
                                .build())))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThatThrownBy(() -> grpc(
                        pki.node("node-1"),
                        s -> s.deregisterEndpoint(DeregisterEndpointRequest.newBuilder()
                                .setNamespace(ns)
                                .setPod("web")
                                .build())))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).startsWith("pod: ");
                });
        var still = grpc(
                        pki.user("viewer"),
                        s -> s.listEndpoints(ListEndpointsRequest.newBuilder()
                                .setNamespace(ns)
                                .build()))
                .getEndpointsList();
        assertThat(still).singleElement().satisfies(e -> {
            assertThat(e.getNode()).isEqualTo("node-2");
            assertThat(e.getUid()).isEqualTo("u-2");
        });

        grpc(
                pki.node("node-2"),
                s -> s.deregisterEndpoint(DeregisterEndpointRequest.newBuilder()
                        .setNamespace(ns)
                        .setPod("web")
                        .setUid("u-2")
                        .build()));
        assertThat(endpointsIn(ns)).isZero();
    }

    @Test
    void thePolicyServiceAllocatesCidrIdentitiesButAViewerCannot() {
        String body = "{\"labels\":[\"cidr:10.77.0.0/16\",\"reserved:world\"]}";
        Answer viewer = call(pki.user("viewer"), "POST", "/v1/identities", body);
        assertThat(viewer.status()).isEqualTo(403);
        assertThat(viewer.body()).contains("operator, admin or service");
        assertThat(call(pki.service("policy"), "POST", "/v1/identities", body).status())
                .isBetween(200, 201);
    }

    private int endpointsIn(String ns) {
        return grpc(
                        pki.user("admin"),
                        s -> s.listEndpoints(ListEndpointsRequest.newBuilder()
                                .setNamespace(ns)
                                .build()))
                .getEndpointsCount();
    }
}
