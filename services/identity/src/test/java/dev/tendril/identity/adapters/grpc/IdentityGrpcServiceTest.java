package dev.tendril.identity.adapters.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tendril.api.v1.AllocateIdentityRequest;
import dev.tendril.api.v1.DeregisterEndpointRequest;
import dev.tendril.api.v1.GetIdentityRequest;
import dev.tendril.api.v1.IdentityServiceGrpc;
import dev.tendril.api.v1.ListEndpointsRequest;
import dev.tendril.api.v1.MarkEndpointTerminatingRequest;
import dev.tendril.api.v1.NamedPort;
import dev.tendril.api.v1.RegisterEndpointRequest;
import dev.tendril.api.v1.UpsertNamespaceRequest;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Agents' gRPC API on the HTTP port: the same operations and refusals as REST. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class IdentityGrpcServiceTest {

    /** The same domain rules as REST: INVALID_ARGUMENT, the description starting with the JSON path at fault. */
    @Test
    void refusesGarbageOverGrpcNamingTheField() throws Exception {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try {
            var identity = IdentityServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            String ns = "grpcbad-" + UUID.randomUUID().toString().substring(0, 8);
            identity.upsertNamespace(
                    UpsertNamespaceRequest.newBuilder().setName(ns).build());
            RegisterEndpointRequest good = RegisterEndpointRequest.newBuilder()
                    .setNamespace(ns)
                    .setPod("p")
                    .setUid("u1")
                    .setNode("node-1")
                    .addIps("10.98.0.1")
                    .putLabels("app", "a")
                    .addNamedPorts(NamedPort.newBuilder().setName("http").setPort(80))
                    .build();
            Map<String, RegisterEndpointRequest> bad = new java.util.LinkedHashMap<>();
            bad.put("ips[0]", good.toBuilder().setIps(0, "0.0.0.0").build());
            bad.put("ips[1]", good.toBuilder().addIps("ff02::1").build());
            bad.put("uid", good.toBuilder().setUid("a\u0000b").build());
            bad.put("uid ", good.toBuilder().setUid("").build());
            bad.put(
                    "labels.app",
                    good.toBuilder().putLabels("app", "v".repeat(64)).build());
            bad.put(
                    "namedPorts[0].port",
                    good.toBuilder()
                            .setNamedPorts(0, NamedPort.newBuilder().setName("http"))
                            .build());
            bad.put(
                    "namedPorts[1].name",
                    good.toBuilder()
                            .addNamedPorts(NamedPort.newBuilder()
                                    .setName("a".repeat(16))
                                    .setPort(81))
                            .build());
            bad.put(
                    "serviceAccount",
                    good.toBuilder().setServiceAccount("Bad_SA").build());
            bad.forEach((field, request) -> assertThatThrownBy(() -> identity.registerEndpoint(request))
                    .as(field)
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).startsWith(field.strip() + ": ");
                    }));
            assertThat(identity.listEndpoints(ListEndpointsRequest.newBuilder()
                                    .setNamespace(ns)
                                    .build())
                            .getEndpointsList())
                    .isEmpty();

            Map<String, java.util.List<String>> labels = Map.of(
                    "labels[0]", java.util.List.of("reserved:host"),
                    "labels[0] ", java.util.List.of("cidr:10.0.0.0/33", "reserved:world"),
                    "labels[1]", java.util.List.of("k8s:app=x", "reserved:world"));
            labels.forEach((field, request) -> assertThatThrownBy(
                            () -> identity.allocateIdentity(AllocateIdentityRequest.newBuilder()
                                    .addAllLabels(request)
                                    .build()))
                    .as(field)
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).startsWith(field.strip() + ": ");
                    }));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void registersEndpointsAllocatesAndRefusesOverGrpc() throws Exception {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try {
            var identity = IdentityServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            String ns = "grpc-" + UUID.randomUUID().toString().substring(0, 8);

            assertThat(identity.getIdentity(
                                    GetIdentityRequest.newBuilder().setId(1).build())
                            .getLabels(0)
                            .getKey())
                    .isEqualTo("host");
            var allocated = identity.allocateIdentity(AllocateIdentityRequest.newBuilder()
                    .addLabels("k8s:app=" + ns)
                    .addLabels("k8s:pod-template-hash=1")
                    .build());
            assertThat(allocated.getCreated()).isTrue();
            assertThat(allocated.getIdentity().getLabelsCount()).isEqualTo(1);
            assertThat(identity.allocateIdentity(AllocateIdentityRequest.newBuilder()
                                    .addLabels("k8s:app=" + ns)
                                    .build())
                            .getIdentity()
                            .getId())
                    .isEqualTo(allocated.getIdentity().getId());

            identity.upsertNamespace(UpsertNamespaceRequest.newBuilder()
                    .setName(ns)
                    .putLabels("team", "a")
                    .build());
            var endpoint = identity.registerEndpoint(RegisterEndpointRequest.newBuilder()
                    .setNamespace(ns)
                    .setPod("web")
                    .setUid("u1")
                    .setNode("node-1")
                    .addIps("10.99.0.1")
                    .putLabels("app", "web")
                    .addNamedPorts(
                            NamedPort.newBuilder().setName("http").setPort(80).setProtocol("TCP"))
                    .build());
            assertThat(endpoint.getIdentity()).isGreaterThanOrEqualTo(256);
            assertThat(identity.listEndpoints(ListEndpointsRequest.newBuilder()
                                    .setNamespace(ns)
                                    .build())
                            .getEndpointsList())
                    .hasSize(1);

            assertThatThrownBy(() -> identity.registerEndpoint(RegisterEndpointRequest.newBuilder()
                            .setNamespace(ns)
                            .setPod("other")
                            .setUid("u2")
                            .setNode("node-1")
                            .addIps("10.99.0.1")
                            .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
                        assertThat(e.getStatus().getDescription())
                                .startsWith("ips: ")
                                .contains(ns + "/web");
                    });
            assertThatThrownBy(() -> identity.registerEndpoint(RegisterEndpointRequest.newBuilder()
                            .setNamespace(ns)
                            .setPod("bad")
                            .setUid("u3")
                            .setNode("node-1")
                            .addIps("10.99.0.300")
                            .build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
            assertThatThrownBy(() -> identity.registerEndpoint(RegisterEndpointRequest.newBuilder()
                            .setNamespace(ns + "-missing")
                            .setPod("p")
                            .setUid("u4")
                            .setNode("node-1")
                            .addIps("10.99.0.2")
                            .build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));

            assertThatThrownBy(() -> identity.deregisterEndpoint(DeregisterEndpointRequest.newBuilder()
                            .setNamespace(ns)
                            .setPod("web")
                            .setUid("another-incarnation")
                            .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                        assertThat(e.getStatus().getDescription()).startsWith("uid: ");
                    });
            assertThat(identity.listEndpoints(ListEndpointsRequest.newBuilder()
                                    .setNamespace(ns)
                                    .build())
                            .getEndpointsList())
                    .as("the registered incarnation stays")
                    .hasSize(1);
            identity.deregisterEndpoint(DeregisterEndpointRequest.newBuilder()
                    .setNamespace(ns)
                    .setPod("web")
                    .setUid("u1")
                    .build());
            identity.registerEndpoint(RegisterEndpointRequest.newBuilder()
                    .setNamespace(ns)
                    .setPod("web")
                    .setUid("u1")
                    .setNode("node-1")
                    .addIps("10.99.0.1")
                    .putLabels("app", "web")
                    .build());
            identity.deregisterEndpoint(DeregisterEndpointRequest.newBuilder()
                    .setNamespace(ns)
                    .setPod("web")
                    .build());
            assertThatThrownBy(() -> identity.deregisterEndpoint(DeregisterEndpointRequest.newBuilder()
                            .setNamespace(ns)
                            .setPod("web")
                            .build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A pod deleted with a grace period: terminating, with its identity and IPs, until it is deregistered. */
    @Test
    void marksAnEndpointTerminatingKeepingItsIdentityAndAddresses() throws Exception {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try {
            var identity = IdentityServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
            String ns = "grace-" + UUID.randomUUID().toString().substring(0, 8);
            identity.upsertNamespace(
                    UpsertNamespaceRequest.newBuilder().setName(ns).build());
            RegisterEndpointRequest web = RegisterEndpointRequest.newBuilder()
                    .setNamespace(ns)
                    .setPod("web")
                    .setUid("u1")
                    .setNode("node-1")
                    .addIps("10.97.0.1")
                    .putLabels("app", "web")
                    .build();
            var registered = identity.registerEndpoint(web);
            assertThat(registered.getTerminating()).isFalse();
            MarkEndpointTerminatingRequest mark = MarkEndpointTerminatingRequest.newBuilder()
                    .setNamespace(ns)
                    .setPod("web")
                    .setUid("u1")
                    .build();

            assertThatThrownBy(() -> identity.markEndpointTerminating(
                            mark.toBuilder().setUid("another-incarnation").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                        assertThat(e.getStatus().getDescription()).startsWith("uid: ");
                    });
            assertThatThrownBy(() -> identity.markEndpointTerminating(
                            mark.toBuilder().setPod("nobody").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                        assertThat(e.getStatus().getDescription()).startsWith("pod: ");
                    });
            assertThatThrownBy(() -> identity.markEndpointTerminating(
                            mark.toBuilder().setPod("Bad_Pod").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).startsWith("pod: ");
                    });
            assertThat(identity.listEndpoints(ListEndpointsRequest.newBuilder()
                                    .setNamespace(ns)
                                    .build())
                            .getEndpoints(0)
                            .getTerminating())
                    .as("refused marks change nothing")
                    .isFalse();

            var terminating = identity.markEndpointTerminating(mark);
            assertThat(terminating.getTerminating()).isTrue();
            assertThat(terminating.getIdentity()).isEqualTo(registered.getIdentity());
            assertThat(terminating.getIpv4()).isEqualTo("10.97.0.1");
            assertThat(identity.markEndpointTerminating(mark)).as("idempotent").isEqualTo(terminating);
            assertThat(identity.registerEndpoint(web))
                    .as("the agent repeating the registration")
                    .isEqualTo(terminating);
            assertThatThrownBy(() -> identity.registerEndpoint(
                            web.toBuilder().setPod("web-2").setUid("u2").build()))
                    .as("a terminating endpoint still holds its IP")
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));

            identity.deregisterEndpoint(DeregisterEndpointRequest.newBuilder()
                    .setNamespace(ns)
                    .setPod("web")
                    .setUid("u1")
                    .build());
            assertThatThrownBy(() -> identity.markEndpointTerminating(mark))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
