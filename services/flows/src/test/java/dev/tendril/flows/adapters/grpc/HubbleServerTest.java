package dev.tendril.flows.adapters.grpc;

import static dev.tendril.flows.adapters.HubbleFlows.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tendril.api.hubble.flow.AgentEventType;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.FlowFilter;
import dev.tendril.api.hubble.observer.GetAgentEventsRequest;
import dev.tendril.api.hubble.observer.GetAgentEventsResponse;
import dev.tendril.api.hubble.observer.GetDebugEventsRequest;
import dev.tendril.api.hubble.observer.GetFlowsRequest;
import dev.tendril.api.hubble.observer.GetNamespacesRequest;
import dev.tendril.api.hubble.observer.GetNodesRequest;
import dev.tendril.api.hubble.observer.Namespace;
import dev.tendril.api.hubble.observer.Node;
import dev.tendril.api.hubble.observer.ObserverGrpc;
import dev.tendril.api.hubble.observer.ServerStatusRequest;
import dev.tendril.api.hubble.observer.ServerStatusResponse;
import dev.tendril.api.hubble.peer.ChangeNotification;
import dev.tendril.api.hubble.peer.ChangeNotificationType;
import dev.tendril.api.hubble.peer.NotifyRequest;
import dev.tendril.api.hubble.peer.PeerGrpc;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.SubjectPolicyMap;
import dev.tendril.flows.adapters.FlowProducer;
import dev.tendril.flows.adapters.HubbleFlows;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What {@code hubble status}, {@code hubble list}, hubble-relay and Prometheus ask the flows service
 * besides GetFlows, against the real service with Kafka: health, ServerStatus, GetNodes, GetNamespaces,
 * GetAgentEvents from the state topics, GetDebugEvents, peer.Peer/Notify, error trailers and metrics.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class HubbleServerTest {

    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();
    private static ManagedChannel channel;
    private static FlowProducer flows;
    private static KafkaProducer<String, byte[]> state;

    @Inject
    Vertx vertx;

    @BeforeAll
    static void connect() {
        URI base = base();
        channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        flows = new FlowProducer();
        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
        state = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        flows.close();
        state.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static URI base() {
        return URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
    }

    private ObserverGrpc.ObserverBlockingStub observer() {
        return ObserverGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static void send(String topic, String key, byte[] value) throws Exception {
        state.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }

    private static List<Flow> someFlows(String ns, String node, int count) {
        List<Flow> out = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < count; i++) {
            out.add(HubbleFlows.forwarded(
                            now.minusMillis(count - i),
                            node,
                            pod(ns, "client", 17901, "client"),
                            "10.0.1.5",
                            40000 + i,
                            pod(ns, "server", 29433, "server"),
                            "10.0.2.9",
                            8080)
                    .build());
        }
        return out;
    }

    @Test
    void healthAnswersServingForTheNamesHubbleAsksAbout() {
        var health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        for (String service : List.of("hubble.server.Observer", "", "observer.Observer", "peer.Peer")) {
            assertThat(health.check(HealthCheckRequest.newBuilder()
                                    .setService(service)
                                    .build())
                            .getStatus())
                    .as(service)
                    .isEqualTo(ServingStatus.SERVING);
        }
    }

    @Test
    void serverStatusHasAFlowRateAndTendrilsVersion() {
        String ns = "status-" + UUID.randomUUID().toString().substring(0, 8);
        flows.send(someFlows(ns, ns + "-node", 30));
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        observer().getNamespaces(GetNamespacesRequest.getDefaultInstance()).getNamespacesList().stream()
                                .anyMatch(n -> n.getNamespace().equals(ns)));
        ServerStatusResponse status = observer().serverStatus(ServerStatusRequest.getDefaultInstance());
        assertThat(status.getFlowsRate()).isPositive();
        assertThat(status.getVersion())
                .isEqualTo(ConfigProvider.getConfig().getValue("quarkus.application.version", String.class))
                .matches("\\d+\\.\\d+\\.\\d+.*");
    }

    @Test
    void getNodesGivesEachNodeAnAddressAndTls() {
        String ns = "nodes-" + UUID.randomUUID().toString().substring(0, 8);
        flows.send(someFlows(ns, ns + "-node", 1));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> observer().getNodes(GetNodesRequest.getDefaultInstance()).getNodesList().stream()
                        .anyMatch(n -> n.getName().equals(ns + "-node")));
        Node node = observer().getNodes(GetNodesRequest.getDefaultInstance()).getNodesList().stream()
                .filter(n -> n.getName().equals(ns + "-node"))
                .findFirst()
                .orElseThrow();
        // This service's own gRPC address: it serves every node's flows.
        assertThat(node.getAddress()).matches("[^:]+:\\d+").endsWith(":" + base().getPort());
        assertThat(node.hasTls()).isTrue();
        assertThat(node.getTls().getEnabled()).isFalse();
        assertThat(node.getVersion()).isNotEqualTo("tendril").isNotEmpty();
    }

    @Test
    void getNamespacesListsTheNamespacesOfHeldFlowsWithTheirCluster() {
        String ns = "ns-" + UUID.randomUUID().toString().substring(0, 8);
        flows.send(someFlows(ns, ns + "-node", 2));
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(observer()
                                .getNamespaces(GetNamespacesRequest.getDefaultInstance())
                                .getNamespacesList())
                        .contains(Namespace.newBuilder()
                                .setCluster("default")
                                .setNamespace(ns)
                                .build()));
    }

    @Test
    void getAgentEventsFollowsEndpointsAndPolicyChanges() throws Exception {
        String ns = "agent-" + UUID.randomUUID().toString().substring(0, 8);
        BlockingQueue<GetAgentEventsResponse> received = new LinkedBlockingQueue<>();
        Context.CancellableContext call = Context.current().withCancellation();
        try {
            call.run(() -> Thread.ofVirtual().start(() -> {
                try {
                    Iterator<GetAgentEventsResponse> events = ObserverGrpc.newBlockingStub(channel)
                            .getAgentEvents(GetAgentEventsRequest.newBuilder()
                                    .setFollow(true)
                                    .build());
                    events.forEachRemaining(received::add);
                } catch (StatusRuntimeException e) {
                    // cancelled at the end of the test
                }
            }));
            Endpoint endpoint = Endpoint.newBuilder()
                    .setNamespace(ns)
                    .setPod("web-0")
                    .setNode(ns + "-node")
                    .setIdentity(31000)
                    .setIpv4("10.77.0.5")
                    .putLabels("app", "web")
                    .build();
            // The subscription may start after the first record: the event is then in the history the
            // follow starts with, so it arrives either way.
            send("tendril.endpoints", ns + "/web-0", endpoint.toByteArray());
            send(
                    "tendril.endpoints",
                    ns + "/web-0",
                    endpoint.toBuilder().setIdentity(31001).build().toByteArray());
            send("tendril.endpoints", ns + "/web-0", null);
            send(
                    "tendril.policy",
                    "31000",
                    SubjectPolicyMap.newBuilder()
                            .setSubject(31000)
                            .setRevision(1)
                            .setPolicyRevision(Long.MAX_VALUE / 2)
                            .addIngressEnforcedBy(ns + "/allow-web")
                            .build()
                            .toByteArray());

            List<GetAgentEventsResponse> mine = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                received.drainTo(mine);
                assertThat(mine.stream()
                                .filter(e -> e.getAgentEvent().hasEndpointUpdate()
                                        && e.getAgentEvent()
                                                .getEndpointUpdate()
                                                .getNamespace()
                                                .equals(ns))
                                .map(e -> e.getAgentEvent().getType()))
                        .containsExactly(AgentEventType.ENDPOINT_CREATED, AgentEventType.ENDPOINT_DELETED);
                assertThat(mine.stream()
                                .filter(e -> e.getAgentEvent().hasIpcacheUpdate()
                                        && e.getAgentEvent()
                                                .getIpcacheUpdate()
                                                .getNamespace()
                                                .equals(ns))
                                .map(e -> e.getAgentEvent().getType() + " "
                                        + e.getAgentEvent().getIpcacheUpdate().getCidr() + " "
                                        + e.getAgentEvent().getIpcacheUpdate().getIdentity() + " old "
                                        + e.getAgentEvent()
                                                .getIpcacheUpdate()
                                                .getOldIdentity()
                                                .getValue()))
                        .containsExactly(
                                "IPCACHE_UPSERTED 10.77.0.5/32 31000 old 0",
                                "IPCACHE_UPSERTED 10.77.0.5/32 31001 old 31000",
                                "IPCACHE_DELETED 10.77.0.5/32 31001 old 0");
                assertThat(mine)
                        .anySatisfy(e -> assertThat(
                                        e.getAgentEvent().getPolicyUpdate().getLabelsList())
                                .containsExactly(ns + "/allow-web"));
            });
            GetAgentEventsResponse created = mine.stream()
                    .filter(e -> e.getAgentEvent().getType() == AgentEventType.ENDPOINT_CREATED
                            && e.getAgentEvent()
                                    .getEndpointUpdate()
                                    .getNamespace()
                                    .equals(ns))
                    .findFirst()
                    .orElseThrow();
            assertThat(created.getNodeName()).isEqualTo(ns + "-node");
            assertThat(created.getAgentEvent().getEndpointUpdate().getPodName()).isEqualTo("web-0");
            assertThat(created.getAgentEvent().getEndpointUpdate().getLabelsList())
                    .containsExactly("k8s:app=web");
            assertThat(created.getTime().getSeconds()).isPositive();
        } finally {
            call.cancel(null);
        }

        // Without follow: the held events, the last `number` of them.
        List<GetAgentEventsResponse> last = new ArrayList<>();
        observer()
                .getAgentEvents(GetAgentEventsRequest.newBuilder().setNumber(1).build())
                .forEachRemaining(last::add);
        assertThat(last).hasSize(1);
    }

    @Test
    void getDebugEventsIsUnimplementedAndSaysWhy() {
        assertThatThrownBy(() -> observer()
                        .getDebugEvents(GetDebugEventsRequest.getDefaultInstance())
                        .hasNext())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                    assertThat(e.getStatus().getDescription()).contains("no debug events");
                });
    }

    /**
     * hubble-relay calls GetFlows on every peer Notify names and merges the answers: naming every node at this one
     * service (as Tendril did) handed a relay every flow once per node. One peer, this service, whatever nodes come.
     */
    @Test
    void peerNotifyNamesThisServiceOnceWhateverNodesRegister() throws Exception {
        String node = "peer-" + UUID.randomUUID().toString().substring(0, 8);
        send(
                "tendril.nodes",
                node + "-a",
                dev.tendril.api.v1.Node.newBuilder()
                        .setName(node + "-a")
                        .addIps("192.0.2.10")
                        .build()
                        .toByteArray());
        BlockingQueue<ChangeNotification> received = new LinkedBlockingQueue<>();
        Context.CancellableContext call = Context.current().withCancellation();
        try {
            call.run(() -> Thread.ofVirtual().start(() -> {
                try {
                    PeerGrpc.newBlockingStub(channel)
                            .notify(NotifyRequest.getDefaultInstance())
                            .forEachRemaining(received::add);
                } catch (StatusRuntimeException e) {
                    // cancelled at the end of the test
                }
            }));
            ChangeNotification self = received.poll(30, TimeUnit.SECONDS);
            assertThat(self).isNotNull();
            assertThat(self.getName()).isEqualTo("tendril-flows");
            assertThat(self.getType()).isEqualTo(ChangeNotificationType.PEER_ADDED);
            assertThat(self.getAddress()).matches("[^:]+:\\d+");

            send(
                    "tendril.nodes",
                    node + "-b",
                    dev.tendril.api.v1.Node.newBuilder()
                            .setName(node + "-b")
                            .addIps("192.0.2.11")
                            .build()
                            .toByteArray());
            // A per-node Notify named node-b within a second of its record (node-a at once, or as it was read).
            assertThat(received.poll(5, TimeUnit.SECONDS))
                    .as("no peer per node, before or after node-b registered")
                    .isNull();
        } finally {
            call.cancel(null);
        }
    }

    /**
     * grpc-message is percent-encoded as the gRPC spec says (only non-printable bytes and '%'), not
     * form-encoded: the Vert.x server behind Quarkus sent {@code whitelist%5B0%5D.source_ip%3A%20...}.
     */
    @Test
    void errorMessagesAreReadableOnTheWire() throws Exception {
        byte[] request = GetFlowsRequest.newBuilder()
                .addWhitelist(FlowFilter.newBuilder().addSourceIp("10.0.0.0/99"))
                .build()
                .toByteArray();
        Buffer frame =
                Buffer.buffer().appendByte((byte) 0).appendInt(request.length).appendBytes(request);
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        try {
            Map<String, String> raw = client.request(
                            HttpMethod.POST, base().getPort(), base().getHost(), "/observer.Observer/GetFlows")
                    .compose(req -> req.putHeader("content-type", "application/grpc")
                            .putHeader("te", "trailers")
                            .send(frame))
                    .compose(resp -> resp.body().map(body -> {
                        Map<String, String> out = new java.util.HashMap<>();
                        resp.headers().forEach(h -> out.put(h.getKey(), h.getValue()));
                        resp.trailers().forEach(h -> out.put(h.getKey(), h.getValue()));
                        return out;
                    }))
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
            assertThat(raw.get("grpc-status")).isEqualTo("3");
            assertThat(raw.get("grpc-message"))
                    .startsWith("whitelist[0].source_ip: ")
                    .doesNotContain("%20");
        } finally {
            client.close();
        }
    }

    @Test
    void metricsHaveHubblesLabelsAndHelp() throws Exception {
        String ns = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        flows.send(someFlows(ns, ns + "-node", 1));
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        observer().getNamespaces(GetNamespacesRequest.getDefaultInstance()).getNamespacesList().stream()
                                .anyMatch(n -> n.getNamespace().equals(ns)));
        String metrics = HTTP.send(
                        HttpRequest.newBuilder(URI.create(base() + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
                .containsPattern(
                        "hubble_flows_processed_total\\{protocol=\"TCP\",subtype=\"to-endpoint\",type=\"Trace\",verdict=\"FORWARDED\"} [1-9]")
                .contains("hubble_lost_events_total{source=\"hubble_ring_buffer\"}")
                .contains("hubble_lost_events_total{source=\"observer_events_queue\"}")
                .contains("# HELP hubble_flows_processed Total number of flows processed")
                .contains("# HELP hubble_lost_events Number of lost events");
        for (String line : metrics.lines().toList()) {
            if (line.startsWith("# TYPE hubble_")) {
                String name = line.split(" ")[2];
                assertThat(metrics).as(name).containsPattern("# HELP " + name + " \\S");
            }
        }
    }
}
