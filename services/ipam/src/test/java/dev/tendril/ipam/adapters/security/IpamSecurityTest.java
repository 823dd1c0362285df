package dev.tendril.ipam.adapters.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.api.v1.AllocatePodIpsRequest;
import dev.tendril.api.v1.IpamGrpc;
import dev.tendril.api.v1.RegisterNodeRequest;
import dev.tendril.api.v1.ReleasePodRequest;
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
import java.util.function.Function;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** IPAM with TLS and roles on: an agent registers, allocates and releases only for its own node. */
@QuarkusTest
@TestProfile(IpamSecurityTest.Secured.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IpamSecurityTest {

    public static class Secured implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return SecuredStackResource.BUILD_TIME;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SecuredStackResource.class, Map.of("server", "ipam")));
        }
    }

    private final TestPki pki = SecuredStackResource.pki();

    private static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.http.test-ssl-port", Integer.class);
    }

    private Answer call(Credential who, String method, String path, String body) {
        return TlsClients.send(
                TlsClients.https(pki.authority(), who), method, URI.create("https://localhost:" + port() + path), body);
    }

    private <T> T grpc(Credential who, Function<IpamGrpc.IpamBlockingStub, T> call) {
        ManagedChannel channel = TlsClients.grpc("localhost", port(), pki.authority(), who);
        try {
            return call.apply(IpamGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow();
        }
    }

    private static void permissionDenied(Runnable call, String... texts) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains(texts);
        });
    }

    @Test
    void anAgentAllocatesOnlyFromItsOwnNode() {
        permissionDenied(
                () -> grpc(
                        pki.node("node-1"),
                        s -> s.registerNode(RegisterNodeRequest.newBuilder()
                                .setName("node-2")
                                .addIps("192.168.50.2")
                                .build())),
                "name: ",
                "CN=node:node-1 may act only on its own node node-1");
        assertThat(call(pki.user("viewer"), "GET", "/v1/nodes/node-2", null).status())
                .isEqualTo(404);

        var node2 = grpc(
                        pki.node("node-2"),
                        s -> s.registerNode(RegisterNodeRequest.newBuilder()
                                .setName("node-2")
                                .addIps("192.168.50.2")
                                .build()))
                .getNode();
        assertThat(node2.getPodCidrsList()).isNotEmpty();

        AllocatePodIpsRequest forNode2 = AllocatePodIpsRequest.newBuilder()
                .setNode("node-2")
                .setOwner("default/web")
                .setUid("uid-1")
                .build();
        permissionDenied(() -> grpc(pki.node("node-1"), s -> s.allocatePodIps(forNode2)), "node: ", "node-2");
        assertThat(call(pki.user("viewer"), "GET", "/v1/nodes/node-2/allocations", null)
                        .body())
                .isEqualTo("[]");

        List<String> ips =
                grpc(pki.node("node-2"), s -> s.allocatePodIps(forNode2)).getIpsList();
        assertThat(ips).isNotEmpty();

        permissionDenied(
                () -> grpc(
                        pki.node("node-1"),
                        s -> s.releasePod(ReleasePodRequest.newBuilder()
                                .setNode("node-2")
                                .setUid("uid-1")
                                .setRollback(true)
                                .build())),
                "node-2");
        assertThat(call(pki.user("viewer"), "GET", "/v1/nodes/node-2/allocations", null)
                        .body())
                .contains(ips.getFirst());
    }

    @Test
    void aViewerCannotAllocateOverRestAndNothingIsAllocated() {
        Answer answer =
                call(pki.user("viewer"), "POST", "/v1/nodes/node-9/allocations", "{\"owner\":\"a/b\",\"uid\":\"u\"}");
        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.body()).contains("needs role operator or admin").contains("CN=viewer (role viewer)");
        assertThat(call(null, "GET", "/v1/pools", null).status()).isEqualTo(401);
        assertThat(call(null, "GET", "/q/health/live", null).status()).isEqualTo(200);
    }
}
