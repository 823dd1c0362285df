package dev.tendril.policy.adapters.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.v1.GetPolicyMapsRequest;
import dev.tendril.api.v1.GetPolicyMapsResponse;
import dev.tendril.api.v1.PolicyMapsGrpc;
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
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The policy service with TLS and roles on: only operators and admins change policy, and a refusal changes nothing;
 * agents, services and admins may fetch published maps over gRPC, viewers and operators may not.
 */
@QuarkusTest
@TestProfile(PolicySecurityTest.Secured.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class PolicySecurityTest {

    public static class Secured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return SecuredStackResource.BUILD_TIME;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SecuredStackResource.class, Map.of("server", "policy")));
        }
    }

    private final TestPki pki = SecuredStackResource.pki();

    private Answer call(Credential who, String method, String path, String yaml) {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
        return TlsClients.send(
                TlsClients.https(pki.authority(), who),
                method,
                URI.create("https://localhost:" + port + path),
                yaml,
                "application/yaml");
    }

    private Answer trace(Credential who, String json) {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
        return TlsClients.send(
                TlsClients.https(pki.authority(), who),
                "POST",
                URI.create("https://localhost:" + port + "/v1/trace"),
                json);
    }

    private static String denyAll(String ns) {
        return """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata:
                  name: deny-all
                  namespace: %s
                spec:
                  podSelector: {}
                  policyTypes: [Ingress]
                """.formatted(ns);
    }

    @Test
    void aViewerCannotDeleteAPolicyAndItStaysWhereItWas() {
        String ns = "sec-" + UUID.randomUUID().toString().substring(0, 8);
        String path = "/v1/policies/NetworkPolicy/" + ns + "/deny-all";
        assertThat(call(pki.user("operator"), "PUT", "/v1/policies", denyAll(ns))
                        .status())
                .isEqualTo(200);

        Answer delete = call(pki.user("viewer"), "DELETE", path, null);
        assertThat(delete.status()).isEqualTo(403);
        assertThat(delete.body())
                .contains("DELETE " + path)
                .contains("needs role operator or admin")
                .contains("CN=viewer (role viewer)");
        assertThat(call(pki.user("viewer"), "GET", path, null).status()).isEqualTo(200);

        assertThat(call(pki.user("admin"), "DELETE", path, null).status()).isBetween(200, 204);
        assertThat(call(pki.user("viewer"), "GET", path, null).status()).isEqualTo(404);
    }

    @Test
    void aNodeCertificateCannotWritePolicy() {
        String ns = "node-" + UUID.randomUUID().toString().substring(0, 8);
        Answer apply = call(pki.node("node-1"), "PUT", "/v1/policies", denyAll(ns));
        assertThat(apply.status()).isEqualTo(403);
        assertThat(apply.body()).contains("CN=node:node-1 (role node)");
        assertThat(call(pki.node("node-1"), "GET", "/v1/policies", null).status())
                .isEqualTo(403);
        assertThat(call(pki.user("admin"), "GET", "/v1/policies/NetworkPolicy/" + ns + "/deny-all", null)
                        .status())
                .isEqualTo(404);
    }

    @Test
    void noCertificateAndForeignOrExpiredCertificatesChangeNothing() {
        for (Credential who : java.util.Arrays.asList(null, pki.expired(), pki.foreign())) {
            String ns = "anon-" + UUID.randomUUID().toString().substring(0, 8);
            Answer apply = call(who, "PUT", "/v1/policies", denyAll(ns));
            assertThat(apply.wasRefused() || apply.status() == 401)
                    .as("%s: refused or 401, was %s %s", who, apply.status(), apply.body())
                    .isTrue();
            assertThat(call(pki.user("admin"), "GET", "/v1/policies/NetworkPolicy/" + ns + "/deny-all", null)
                            .status())
                    .isEqualTo(404);
        }
    }

    @Test
    void theFlowsServiceMayTraceForItsPageButNotWritePolicyAndANodeMayDoNeither() {
        String trace = "{\"from\":{\"identity\":2},\"to\":{\"identity\":1},\"port\":80}";
        String ns = "svc-" + UUID.randomUUID().toString().substring(0, 8);

        Answer traced = trace(pki.service("flows"), trace);
        assertThat(traced.status()).as(traced.body()).isEqualTo(200);
        assertThat(traced.body()).contains("\"verdict\"");
        Answer apply = call(pki.service("flows"), "PUT", "/v1/policies", denyAll(ns));
        assertThat(apply.status()).isEqualTo(403);
        assertThat(apply.body()).contains("CN=service:flows (role service)");
        assertThat(trace(pki.node("node-1"), trace).status()).isEqualTo(403);
        assertThat(call(pki.user("admin"), "GET", "/v1/policies/NetworkPolicy/" + ns + "/deny-all", null)
                        .status())
                .isEqualTo(404);
    }

    @Test
    void aViewerMayTraceAndReadMetrics() {
        assertThat(call(pki.user("viewer"), "GET", "/q/metrics", null).status()).isEqualTo(200);
        assertThat(call(null, "GET", "/q/metrics", null).status()).isEqualTo(401);
        assertThat(call(null, "GET", "/q/health", null).status()).isEqualTo(200);
    }

    private GetPolicyMapsResponse getPolicyMaps(Credential who, int... subjects) {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
        ManagedChannel channel = TlsClients.grpc("localhost", port, pki.authority(), who);
        try {
            GetPolicyMapsRequest.Builder request = GetPolicyMapsRequest.newBuilder();
            for (int s : subjects) {
                request.addSubjects(s);
            }
            return PolicyMapsGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .getPolicyMaps(request.build());
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void agentsServicesAndAdminsMayFetchPolicyMapsOverGrpcViewersOperatorsAndStrangersMayNot() {
        int never = 59_999_999;
        for (Credential allowed : List.of(pki.node("node-1"), pki.service("flows"), pki.user("admin"))) {
            GetPolicyMapsResponse answer = await().atMost(java.time.Duration.ofSeconds(30))
                    .ignoreExceptionsMatching(e -> e instanceof StatusRuntimeException s
                            && s.getStatus().getCode() == Status.Code.UNAVAILABLE)
                    .until(() -> getPolicyMaps(allowed, never), a -> true);
            assertThat(answer.getAbsentList()).as("%s", allowed).containsExactly(never);
        }
        for (String role : List.of("viewer", "operator")) {
            assertThatThrownBy(() -> getPolicyMaps(pki.user(role), never))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(e.getStatus().getDescription())
                                .contains("tendril.v1.PolicyMaps/GetPolicyMaps")
                                .contains("CN=" + role + " (role " + role + ")");
                    });
        }
        assertThatThrownBy(() -> getPolicyMaps(null, never))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }
}
