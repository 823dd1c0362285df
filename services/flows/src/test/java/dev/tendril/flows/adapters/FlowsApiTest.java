package dev.tendril.flows.adapters;

import static dev.tendril.flows.adapters.HubbleFlows.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.FlowFilter;
import dev.tendril.api.hubble.flow.Verdict;
import dev.tendril.api.hubble.observer.GetFlowsRequest;
import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.api.hubble.observer.GetNodesRequest;
import dev.tendril.api.hubble.observer.ObserverGrpc;
import dev.tendril.api.hubble.observer.ServerStatusRequest;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The service end to end: flows produced to the flows topic, read back over REST and Hubble's gRPC
 * Observer with generated stubs. Each test uses its own namespace and nodes.
 */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class FlowsApiTest {

    @Inject
    FlowQueries queries;

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ManagedChannel channel;
    private static FlowProducer producer;

    @BeforeAll
    static void connect() {
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        producer = new FlowProducer();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        producer.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Flows produced before the ingest assigned the topic would be history, not ring content. */
    @org.junit.jupiter.api.BeforeEach
    void ingestIsReady() {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(URI.create(ConfigProvider.getConfig()
                                                                .getValue("test.url", String.class)
                                                        + "/q/health/ready"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .statusCode()
                        == 200);
    }

    /** Six flows in a fresh namespace over two nodes, one second apart. */
    private static List<Flow> scenario(String ns, Instant t0) {
        var frontend = pod(ns, "frontend-1", 17901, "frontend");
        var database = pod(ns, "database-0", 29433, "database");
        var dns = pod(ns, "coredns-1", 102, "kube-dns");
        String n1 = ns + "-node-1";
        String n2 = ns + "-node-2";
        return List.of(
                HubbleFlows.forwarded(t0, n1, frontend, "10.9.1.5", 40001, database, "10.9.2.9", 5432)
                        .build(),
                HubbleFlows.denied(
                                t0.plusSeconds(1),
                                n2,
                                frontend,
                                "10.9.1.5",
                                40002,
                                database,
                                "10.9.2.9",
                                80,
                                ns,
                                "default-deny-ingress")
                        .build(),
                HubbleFlows.dns(t0.plusSeconds(2), n1, frontend, "10.9.1.5", dns, "10.9.3.3")
                        .build(),
                HubbleFlows.forwarded(
                                t0.plusSeconds(3),
                                n2,
                                HubbleFlows.world(),
                                "203.0.113.7",
                                443,
                                frontend,
                                "10.9.1.5",
                                8443)
                        .build(),
                HubbleFlows.forwarded(t0.plusSeconds(4), n1, database, "10.9.2.9", 40005, dns, "10.9.3.3", 8080)
                        .build(),
                HubbleFlows.denied(
                                t0.plusSeconds(5),
                                n1,
                                dns,
                                "10.9.3.3",
                                40006,
                                database,
                                "10.9.2.9",
                                5432,
                                ns,
                                "db-only-from-frontend")
                        .build());
    }

    private static String newNamespace() {
        return "t" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static List<Flow> produceScenario(String ns) {
        List<Flow> flows = scenario(ns, Instant.now().minusSeconds(30).truncatedTo(ChronoUnit.MILLIS));
        producer.send(flows);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> rows("namespace=" + ns + "&last=100").size() == flows.size());
        return flows;
    }

    @Test
    void restFiltersEachFieldAndAndsThemWithinAFilter() throws Exception {
        String ns = newNamespace();
        produceScenario(ns);
        assertThat(ports("namespace=" + ns)).containsExactly(5432, 80, 53, 8443, 8080, 5432);
        assertThat(ports("namespace=" + ns + "&verdict=DROPPED")).containsExactly(80, 5432);
        assertThat(ports("from-pod=" + ns + "/frontend")).containsExactly(5432, 80, 53);
        assertThat(ports("to-pod=" + ns + "/database")).containsExactly(5432, 80, 5432);
        assertThat(ports("pod=" + ns + "/coredns")).containsExactly(53, 8080, 5432);
        assertThat(ports("namespace=" + ns + "&protocol=udp")).containsExactly(53);
        assertThat(ports("namespace=" + ns + "&to-port=5432")).containsExactly(5432, 5432);
        assertThat(ports("to-pod=" + ns + "/frontend&port=443")).containsExactly(8443);
        assertThat(ports("namespace=" + ns + "&from-label=" + enc("k8s:app=frontend")))
                .containsExactly(5432, 80, 53);
        assertThat(ports("namespace=" + ns + "&to-label=" + enc("app in (kube-dns)")))
                .containsExactly(53, 8080);
        assertThat(ports("namespace=" + ns + "&from-ip=203.0.113.0/24")).containsExactly(8443);
        assertThat(ports("namespace=" + ns + "&to-ip=10.9.2.9")).containsExactly(5432, 80, 5432);
        assertThat(ports("namespace=" + ns + "&from-identity=2")).containsExactly(8443);
        assertThat(ports("namespace=" + ns + "&identity=102")).containsExactly(53, 8080, 5432);
        assertThat(ports("node=" + ns + "-node-2")).containsExactly(80, 8443);
        assertThat(ports("node=" + ns + "-node-*&traffic-direction=egress")).containsExactly(53);
        assertThat(ports("namespace=" + ns + "&tcp-flags=SYN&verdict=FORWARDED"))
                .containsExactly(5432, 8443, 8080);
        // AND inside the filter: frontend's flows that were dropped
        assertThat(ports("from-pod=" + ns + "/frontend&verdict=DROPPED")).containsExactly(80);
        assertThat(ports("namespace=" + ns + "&last=2")).containsExactly(8080, 5432);
        assertThat(ports("namespace=" + ns + "&first=2")).containsExactly(5432, 80);

        JsonNode drop = rows("namespace=" + ns + "&verdict=DROPPED&first=1").get(0);
        assertThat(drop.path("node_name").asText()).isEqualTo(ns + "-node-2");
        assertThat(drop.path("flow").path("drop_reason_desc").asText()).isEqualTo("POLICY_DENIED");
        assertThat(drop.path("flow")
                        .path("ingress_denied_by")
                        .get(0)
                        .path("name")
                        .asText())
                .isEqualTo("default-deny-ingress");
    }

    @Test
    void restRefusesBadFiltersNamingTheParameter() throws Exception {
        assertProblem("from-ip=10.0.0.0/40", "from-ip");
        assertProblem("verdict=MAYBE", "verdict");
        assertProblem("protocol=gopher", "protocol");
        assertProblem("since=2026-11-26T10:00:00Z&until=2026-11-26T09:00:00Z", "since");
        assertProblem("since=yesterday", "since");
        assertProblem("last=-3", "last");
        assertProblem("colour=blue", "colour");
    }

    @Test
    void grpcGetFlowsOrsWhitelistSubtractsBlacklistAndReportsStatus() {
        String ns = newNamespace();
        List<Flow> flows = produceScenario(ns);
        var observer = ObserverGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        GetFlowsRequest request = GetFlowsRequest.newBuilder()
                .setNumber(100)
                .addWhitelist(
                        FlowFilter.newBuilder().addSourcePod(ns + "/frontend").addVerdict(Verdict.DROPPED))
                .addWhitelist(FlowFilter.newBuilder().addDestinationPod(ns + "/coredns"))
                .addBlacklist(FlowFilter.newBuilder().addProtocol("udp"))
                .build();
        List<GetFlowsResponse> responses = new ArrayList<>();
        observer.getFlows(request).forEachRemaining(responses::add);
        assertThat(responses)
                .extracting(r -> r.getFlow().getL4().getTCP().getDestinationPort())
                .containsExactly(80, 8080);
        assertThat(responses.get(0).getNodeName()).isEqualTo(ns + "-node-2");
        assertThat(responses.get(0).getTime()).isEqualTo(flows.get(1).getTime());
        assertThat(responses.get(0).getFlow()).isEqualTo(flows.get(1));

        var status = observer.serverStatus(ServerStatusRequest.getDefaultInstance());
        assertThat(status.getNumFlows()).isGreaterThanOrEqualTo(6);
        assertThat(status.getSeenFlows()).isGreaterThanOrEqualTo(6);
        assertThat(status.getMaxFlows())
                .isEqualTo(65535L
                        * (status.getNumConnectedNodes().getValue()
                                + status.getNumUnavailableNodes().getValue()));
        assertThat(status.getUptimeNs()).isPositive();
        assertThat(observer.getNodes(GetNodesRequest.getDefaultInstance()).getNodesList())
                .extracting(n -> n.getName())
                .contains(ns + "-node-1", ns + "-node-2");

        assertThatThrownBy(() -> observer.getFlows(GetFlowsRequest.newBuilder()
                                .addWhitelist(FlowFilter.newBuilder().addSourceIp("10.0.0.0/99"))
                                .build())
                        .hasNext())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).startsWith("whitelist[0].source_ip: ");
                });
    }

    @Test
    void followDeliversNewFlowsInOrderOverGrpcAndSse() throws Exception {
        int followersBefore = queries.activeFollowers();
        String ns = newNamespace();
        var observer = ObserverGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        Iterator<GetFlowsResponse> stream = observer.getFlows(GetFlowsRequest.newBuilder()
                .setFollow(true)
                .addWhitelist(FlowFilter.newBuilder().addSourcePod(ns + "/"))
                .addWhitelist(FlowFilter.newBuilder().addDestinationPod(ns + "/"))
                .build());
        HttpResponse<InputStream> sse = HTTP.send(
                HttpRequest.newBuilder(url("namespace=" + ns + "&follow=true")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(sse.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        // Both followers have taken their mark: every flow sent from here reaches them.
        await().atMost(Duration.ofSeconds(30)).until(() -> queries.activeFollowers() >= followersBefore + 2);
        List<Flow> flows = scenario(ns, Instant.now().truncatedTo(ChronoUnit.MILLIS));
        producer.send(flows);
        List<Integer> grpcPorts = new ArrayList<>();
        for (int i = 0; i < flows.size(); i++) {
            grpcPorts.add(port(stream.next().getFlow()));
        }
        assertThat(grpcPorts).containsExactly(5432, 80, 53, 8443, 8080, 5432);
        List<Integer> ssePorts = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8))) {
            String line;
            while (ssePorts.size() < flows.size() && (line = lines.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    JsonNode flow = JSON.readTree(line.substring(6)).path("flow");
                    ssePorts.add(flow.path("l4")
                            .path("TCP")
                            .path("destination_port")
                            .asInt(flow.path("l4")
                                    .path("UDP")
                                    .path("destination_port")
                                    .asInt()));
                }
            }
        }
        assertThat(ssePorts).containsExactly(5432, 80, 53, 8443, 8080, 5432);
    }

    /**
     * A burst of followed flows goes out several per HTTP/2 write (FlowWriter): each still reaches the
     * client whole, once, in time order, as the agent sent it, with its node and time.
     */
    @Test
    void followDeliversABurstWholeAndInOrder() throws Exception {
        int followersBefore = queries.activeFollowers();
        String ns = newNamespace();
        var observer = ObserverGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        Iterator<GetFlowsResponse> stream = observer.getFlows(GetFlowsRequest.newBuilder()
                .setFollow(true)
                .addWhitelist(FlowFilter.newBuilder().addSourcePod(ns + "/"))
                .build());
        await().atMost(Duration.ofSeconds(30)).until(() -> queries.activeFollowers() >= followersBefore + 1);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        var src = pod(ns, "client-0", 17901, "client");
        var dst = pod(ns, "server-0", 29433, "server");
        List<Flow> flows = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            flows.add(HubbleFlows.forwarded(
                            t0.plusMillis(i), "node-burst", src, "10.0.0.1", 1024 + i, dst, "10.0.0.2", 80)
                    .build());
        }
        // One node: one partition, so time order does not depend on the sort window under load. One flow
        // first, so the burst after it is written in batches rather than as the stream's first message.
        producer.send(flows.subList(0, 1));
        assertThat(stream.next().getFlow()).isEqualTo(flows.getFirst());
        producer.send(flows.subList(1, flows.size()));
        for (Flow sent : flows.subList(1, flows.size())) {
            GetFlowsResponse received = stream.next();
            assertThat(received.getFlow()).isEqualTo(sent);
            assertThat(received.getNodeName()).isEqualTo(sent.getNodeName());
            assertThat(received.getTime()).isEqualTo(sent.getTime());
        }
    }

    @Test
    void countsHubbleMetrics() throws Exception {
        produceScenario(newNamespace());
        String metrics = HTTP.send(
                        HttpRequest.newBuilder(URI.create(base() + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
                .contains("hubble_flows_processed_total{", "subtype=\"to-endpoint\"", "type=\"Drop\"")
                .contains("hubble_drop_total{protocol=\"TCP\",reason=\"POLICY_DENIED\"}")
                .contains("hubble_tcp_flags_total{family=\"IPv4\",flag=\"SYN\"}")
                .contains("hubble_port_distribution_total{port=\"5432\",protocol=\"TCP\"}")
                .contains("hubble_lost_events_total{source=\"hubble_ring_buffer\"}");
    }

    static int port(Flow flow) {
        return flow.getL4().hasUDP()
                ? flow.getL4().getUDP().getDestinationPort()
                : flow.getL4().getTCP().getDestinationPort();
    }

    private static List<Integer> ports(String query) throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (JsonNode row : rows(query.contains("first=") || query.contains("last=") ? query : query + "&last=100")) {
            JsonNode l4 = row.path("flow").path("l4");
            ports.add(
                    l4.has("UDP")
                            ? l4.path("UDP").path("destination_port").asInt()
                            : l4.path("TCP").path("destination_port").asInt());
        }
        return ports;
    }

    static List<JsonNode> rows(String query) throws Exception {
        HttpResponse<String> response =
                HTTP.send(HttpRequest.newBuilder(url(query)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<JsonNode> rows = new ArrayList<>();
        JSON.readTree(response.body()).forEach(rows::add);
        return rows;
    }

    private static void assertProblem(String query, String field) throws Exception {
        HttpResponse<String> response =
                HTTP.send(HttpRequest.newBuilder(url(query)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(query).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(response.body()).path("field").asText())
                .as(response.body())
                .isEqualTo(field);
    }

    static URI url(String query) {
        return URI.create(base() + "/v1/flows?" + query);
    }

    static String base() {
        return ConfigProvider.getConfig().getValue("test.url", String.class);
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /**
     * Found by FlowsFuzzTest (long run, shrunk): a refusal quoting a 70 KB filter value overflowed the
     * grpc-message trailer; the client saw the reset stream as INTERNAL.
     */
    @Test
    void refusesAHugeFilterValueWithABoundedDescription() {
        var observer = ObserverGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        GetFlowsRequest huge = GetFlowsRequest.newBuilder()
                .addBlacklist(FlowFilter.newBuilder().addSourceIp("x".repeat(70_000)))
                .build();
        assertThatThrownBy(() -> observer.getFlows(huge).hasNext())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).hasSizeLessThan(1_200);
                });
    }
}
