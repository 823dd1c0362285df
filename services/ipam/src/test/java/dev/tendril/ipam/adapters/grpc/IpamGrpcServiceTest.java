package dev.tendril.ipam.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.api.v1.AllocatePodIpsRequest;
import dev.tendril.api.v1.ConfirmPodIpsRequest;
import dev.tendril.api.v1.DeregisterNodeRequest;
import dev.tendril.api.v1.IpamGrpc;
import dev.tendril.api.v1.RegisterNodeRequest;
import dev.tendril.api.v1.ReleasePodIpRequest;
import dev.tendril.api.v1.ReleasePodRequest;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Agents' gRPC API on the HTTP port: the same operations and refusals as REST. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IpamGrpcServiceTest {

    @Test
    void registersAllocatesAndRefusesAStaleReleaseOverGrpc() throws Exception {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try {
            var ipam = IpamGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            var node = ipam.registerNode(RegisterNodeRequest.newBuilder()
                            .setName("grpc-a")
                            .addIps("192.168.3.1")
                            .build())
                    .getNode();
            assertThat(node.getPodCidrsList()).hasSize(2);
            List<String> ips = ipam.allocatePodIps(AllocatePodIpsRequest.newBuilder()
                            .setNode("grpc-a")
                            .setOwner("demo/g")
                            .setUid("g-1")
                            .build())
                    .getIpsList();
            assertThat(ips).hasSize(2);
            assertThat(ipam.allocatePodIps(AllocatePodIpsRequest.newBuilder()
                                    .setNode("grpc-a")
                                    .setOwner("demo/g")
                                    .setUid("g-1")
                                    .build())
                            .getIpsList())
                    .isEqualTo(ips);
            assertThatThrownBy(() -> ipam.releasePodIp(ReleasePodIpRequest.newBuilder()
                            .setNode("grpc-a")
                            .setIp(ips.get(0))
                            .setUid("g-0")
                            .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                        assertThat(e.getStatus().getDescription()).startsWith("uid: ");
                    });
            assertThatThrownBy(() -> ipam.allocatePodIps(AllocatePodIpsRequest.newBuilder()
                            .setNode("grpc-nowhere")
                            .setOwner("demo/g")
                            .setUid("g-2")
                            .build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            assertThat(ipam.releasePodIp(ReleasePodIpRequest.newBuilder()
                                    .setNode("grpc-a")
                                    .setIp(ips.get(0))
                                    .setUid("g-1")
                                    .build())
                            .getReleased())
                    .isTrue();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void releasesAPodByUidOverGrpc() throws Exception {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try {
            var ipam = IpamGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            ipam.registerNode(RegisterNodeRequest.newBuilder()
                    .setName("grpc-b")
                    .addIps("192.168.3.2")
                    .build());
            List<String> ips = ipam.allocatePodIps(AllocatePodIpsRequest.newBuilder()
                            .setNode("grpc-b")
                            .setOwner("demo/dual")
                            .setUid("gb-1")
                            .build())
                    .getIpsList();
            assertThat(ips).hasSize(2);
            assertThat(ips.get(1)).contains(":");

            // A stale uid (another incarnation of the pod) frees nothing.
            var stale = ipam.releasePod(ReleasePodRequest.newBuilder()
                    .setNode("grpc-b")
                    .setUid("gb-0")
                    .build());
            assertThat(stale.getUid()).isEqualTo("gb-0");
            assertThat(stale.getReleasedList()).isEmpty();

            var released = ipam.releasePod(ReleasePodRequest.newBuilder()
                    .setNode("grpc-b")
                    .setUid("gb-1")
                    .build());
            assertThat(released.getUid()).isEqualTo("gb-1");
            assertThat(released.getReleasedList()).isEqualTo(ips);
            // A retried release frees nothing more.
            assertThat(ipam.releasePod(ReleasePodRequest.newBuilder()
                                    .setNode("grpc-b")
                                    .setUid("gb-1")
                                    .build())
                            .getReleasedList())
                    .isEmpty();

            assertThatThrownBy(() -> ipam.releasePod(
                            ReleasePodRequest.newBuilder().setNode("grpc-b").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).startsWith("uid: ");
                    });
            assertThatThrownBy(() -> ipam.releasePod(ReleasePodRequest.newBuilder()
                            .setNode("grpc-nowhere")
                            .setUid("gb-1")
                            .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                        assertThat(e.getStatus().getDescription()).startsWith("name: ");
                    });
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Found by IpamFuzzTest (shrunk): a NUL in the node name was UNKNOWN (PostgreSQL's error), not a refusal. */
    @Test
    void refusesANodeNameWithANulAsInvalidArgument() throws Exception {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try {
            var ipam = IpamGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            List<Runnable> calls = List.of(
                    () -> ipam.deregisterNode(
                            DeregisterNodeRequest.newBuilder().setName("\u0000").build()),
                    () -> ipam.registerNode(RegisterNodeRequest.newBuilder()
                            .setName("\u0000")
                            .addIps("192.0.2.203")
                            .build()),
                    () -> ipam.confirmPodIps(ConfirmPodIpsRequest.newBuilder()
                            .setNode("\u0000")
                            .setUid("u")
                            .build()));
            for (Runnable call : calls) {
                assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).startsWith("name: ");
                });
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Found by IpamFuzzTest (long run, shrunk): a refusal quoting a 70 KB address overflowed the
     * grpc-message trailer; the client saw the reset stream as INTERNAL.
     */
    @Test
    void refusesAHugeValueWithABoundedDescription() throws Exception {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try {
            var ipam = IpamGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> ipam.registerNode(RegisterNodeRequest.newBuilder()
                            .setName("fuzz-node")
                            .addIps("x".repeat(70_000))
                            .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription())
                                .startsWith("ips")
                                .hasSizeLessThan(1_200);
                    });
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
