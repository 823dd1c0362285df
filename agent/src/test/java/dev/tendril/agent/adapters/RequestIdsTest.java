package dev.tendril.agent.adapters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.agent.endpoint.EndpointRejectedException;
import dev.tendril.api.v1.IpamGrpc;
import dev.tendril.api.v1.RegisterNodeRequest;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A CNI ADD's request id goes with the agent's calls to the control plane, so their events name it. */
class RequestIdsTest {

    private static final Metadata.Key<String> REQUEST_ID =
            Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);

    private final List<String> received = new CopyOnWriteArrayList<>();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        ServerInterceptor recording = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                String id = headers.get(REQUEST_ID);
                received.add(id == null ? "<none>" : id);
                return next.startCall(call, headers);
            }
        };
        server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(ServerInterceptors.intercept(new FakeControlPlane.Ipam(), recording))
                .build()
                .start();
        channel = GrpcClients.channel("localhost:" + server.getPort());
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void forwardsTheRequestIdOfTheWorkRunningInTheThreadAndNoneOutsideIt() {
        var ipam = IpamGrpc.newBlockingStub(channel).withInterceptors(RequestIds.FORWARD);
        RegisterNodeRequest register =
                RegisterNodeRequest.newBuilder().setName("node-1").build();

        RequestIds.forwarding("cni-add-7", () -> ipam.registerNode(register));
        ipam.registerNode(register);

        assertThat(received).containsExactly("cni-add-7", "<none>");
    }

    @Test
    void keepsAValidRequestIdMakesOneWhenNoneWasSentAndRefusesAnUnusableOne() {
        assertThat(RequestIds.of("cni:add.7_x-1")).isEqualTo("cni:add.7_x-1");
        assertThat(RequestIds.of(null)).matches("[0-9a-f-]{36}");
        assertThatThrownBy(() -> RequestIds.of("two words"))
                .isInstanceOfSatisfying(
                        EndpointRejectedException.class,
                        e -> assertThat(e.field()).isEqualTo("X-Request-Id"));
        assertThatThrownBy(() -> RequestIds.of("x".repeat(129))).isInstanceOf(EndpointRejectedException.class);
    }
}
