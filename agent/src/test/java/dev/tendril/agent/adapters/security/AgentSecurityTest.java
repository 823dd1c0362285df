package dev.tendril.agent.adapters.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tendril.security.Credential;
import dev.tendril.testing.tls.SecuredStackResource;
import dev.tendril.testing.tls.TestPki;
import dev.tendril.testing.tls.TlsClients;
import dev.tendril.testing.tls.TlsClients.Answer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * An agent with TLS and roles on: pods are an operator's to create, a probe's ingress half is only for peer
 * agents, and health stays open.
 */
@QuarkusTest
@TestProfile(AgentSecurityTest.Secured.class)
class AgentSecurityTest {

    public static class Secured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return SecuredStackResource.BUILD_TIME;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SecuredStackResource.class, Map.of("server", "agent")));
        }
    }

    static final String POD = """
            {"namespace":"shop","pod":"web-1","uid":"uid-web-1","labels":{"app":"web"}}""";

    private final TestPki pki = SecuredStackResource.pki();

    private Answer call(Credential who, String method, String path, String body) {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
        return TlsClients.send(
                TlsClients.https(pki.authority(), who), method, URI.create("https://localhost:" + port + path), body);
    }

    @Test
    void aViewerCannotCreateAPodAndNoEndpointAppears() {
        assertThat(call(null, "POST", "/v1/endpoints", POD).status()).isEqualTo(401);
        Answer viewer = call(pki.user("viewer"), "POST", "/v1/endpoints", POD);
        assertThat(viewer.status()).isEqualTo(403);
        assertThat(viewer.body()).contains("POST /v1/endpoints needs role operator or admin");
        Answer node = call(pki.node("node-2"), "DELETE", "/v1/endpoints/shop/web-1", null);
        assertThat(node.status()).isEqualTo(403);
        assertThat(call(pki.user("viewer"), "GET", "/v1/endpoints", null).body())
                .isEqualTo("[]");
        // An operator passes the access check; this agent has no control plane, so the refusal is its readiness.
        assertThat(call(pki.user("operator"), "POST", "/v1/endpoints", POD).status())
                .isEqualTo(503);
    }

    @Test
    void theIngressHalfOfAProbeIsOnlyForPeerAgents() {
        Answer viewer = call(pki.user("viewer"), "POST", "/v1/probe/ingress", "{}");
        assertThat(viewer.status()).isEqualTo(403);
        assertThat(viewer.body()).contains("needs role admin or node");
        assertThat(call(pki.node("node-2"), "POST", "/v1/probe/ingress", "{}").status())
                .isNotIn(401, 403);
        assertThat(call(pki.user("viewer"), "POST", "/v1/probe", "{}").status()).isNotIn(401, 403);
    }

    @Test
    void healthIsOpenAndMetricsNeedAViewer() {
        assertThat(call(null, "GET", "/q/health/live", null).status()).isEqualTo(200);
        assertThat(call(null, "GET", "/q/metrics", null).status()).isEqualTo(401);
        assertThat(call(pki.user("viewer"), "GET", "/q/metrics", null).status()).isEqualTo(200);
    }
}
