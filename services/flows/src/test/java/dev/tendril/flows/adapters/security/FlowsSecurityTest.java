package dev.tendril.flows.adapters.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.api.hubble.observer.ObserverGrpc;
import dev.tendril.api.hubble.observer.ServerStatusRequest;
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
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** The flows service with TLS and roles on: observing needs a viewer, over REST and Hubble's gRPC alike. */
@QuarkusTest
@TestProfile(FlowsSecurityTest.Secured.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class FlowsSecurityTest {

    public static class Secured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return SecuredStackResource.BUILD_TIME;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SecuredStackResource.class, Map.of("server", "flows")));
        }
    }

    private final TestPki pki = SecuredStackResource.pki();

    private static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
    }

    private Answer get(Credential who, String path) {
        return TlsClients.send(
                TlsClients.https(pki.authority(), who), "GET", URI.create("https://localhost:" + port() + path), null);
    }

    private ObserverGrpc.ObserverBlockingStub observer(ManagedChannel channel) {
        return ObserverGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Test
    void healthIsOpenAndEverythingElseNeedsAViewer() {
        assertThat(get(null, "/q/health/live").status()).isEqualTo(200);
        assertThat(get(null, "/q/metrics").status()).isEqualTo(401);
        assertThat(get(null, "/v1/status").status()).isEqualTo(401);
        assertThat(get(pki.user("viewer"), "/v1/status").status()).isEqualTo(200);
        Answer node = get(pki.node("node-1"), "/v1/flows?last=1");
        assertThat(node.status()).isEqualTo(403);
        assertThat(node.body()).contains("needs role viewer, operator or admin");
    }

    @Test
    void theServiceMapsTraceNeedsAViewerBeforeAnythingIsAsked() {
        URI trace = URI.create("https://localhost:" + port() + "/v1/trace");
        String body = "{\"from\":{\"identity\":2},\"to\":{\"identity\":1},\"port\":80}";

        assertThat(TlsClients.send(TlsClients.https(pki.authority(), null), "POST", trace, body)
                        .status())
                .isEqualTo(401);
        assertThat(TlsClients.send(TlsClients.https(pki.authority(), pki.node("node-1")), "POST", trace, body)
                        .status())
                .isEqualTo(403);
        // A viewer passes; this test's service has no policy service to ask, and says so.
        Answer viewer = TlsClients.send(TlsClients.https(pki.authority(), pki.user("viewer")), "POST", trace, body);
        assertThat(viewer.status()).isEqualTo(503);
        assertThat(viewer.body()).contains("tendril.flows.policy-url");
    }

    @Test
    void hubbleObserverNeedsAViewerCertificate() {
        ManagedChannel anonymous = TlsClients.grpc("localhost", port(), pki.authority(), null);
        ManagedChannel viewer = TlsClients.grpc("localhost", port(), pki.authority(), pki.user("viewer"));
        try {
            assertThatThrownBy(() -> observer(anonymous).serverStatus(ServerStatusRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                        assertThat(e.getStatus().getDescription())
                                .contains("observer.Observer/ServerStatus")
                                .contains("no client certificate");
                    });
            assertThat(observer(viewer).serverStatus(ServerStatusRequest.getDefaultInstance()))
                    .isNotNull();
        } finally {
            anonymous.shutdownNow();
            viewer.shutdownNow();
        }
    }
}
