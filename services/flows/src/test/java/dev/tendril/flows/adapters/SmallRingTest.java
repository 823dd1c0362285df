package dev.tendril.flows.adapters;

import static dev.tendril.flows.adapters.HubbleFlows.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tendril.api.hubble.flow.Flow;
import dev.tendril.api.hubble.flow.FlowFilter;
import dev.tendril.api.hubble.flow.LostEventSource;
import dev.tendril.api.hubble.observer.GetFlowsRequest;
import dev.tendril.api.hubble.observer.GetFlowsResponse;
import dev.tendril.api.hubble.observer.ObserverGrpc;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Rings of 7 flows: history past the ring comes from Kafka, and a slow follower is told what it lost. */
@QuarkusTest
@TestProfile(SmallRingTest.SmallRing.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class SmallRingTest {

    @Inject
    FlowQueries queries;

    public static class SmallRing implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "tendril.flows.ring-capacity",
                    "7",
                    "tendril.flows.topic",
                    "test.flows.small",
                    "tendril.flows.follow-interval",
                    "200ms");
        }
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

    @Test
    void sinceOlderThanTheRingIsServedFromKafkaThenTheRing() throws Exception {
        String node = "hist-node";
        Instant t0 = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
        var a = pod("hist", "a", 1000, "a");
        var b = pod("hist", "b", 1001, "b");
        List<Flow> flows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            flows.add(HubbleFlows.forwarded(t0.plusSeconds(i), node, a, "10.7.0.1", 30000 + i, b, "10.7.0.2", 80)
                    .build());
        }
        try (FlowProducer producer = new FlowProducer()) {
            producer.send(flows);
        }
        // The ring holds only the last 7.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sourcePorts("node=" + node + "&last=100").size() == 7);
        assertThat(sourcePorts("node=" + node + "&last=100"))
                .containsExactly(30033, 30034, 30035, 30036, 30037, 30038, 30039);

        List<Integer> all = sourcePorts("node=" + node + "&since=" + t0);
        assertThat(all).hasSize(40);
        assertThat(all.get(0)).isEqualTo(30000);
        assertThat(all).isSorted();
        assertThat(sourcePorts("node=" + node + "&since=" + t0.plusSeconds(10) + "&until=" + t0.plusSeconds(20)))
                .containsExactly(30010, 30011, 30012, 30013, 30014, 30015, 30016, 30017, 30018, 30019, 30020);
        assertThat(sourcePorts("node=" + node + "&first=3&since=" + t0)).containsExactly(30000, 30001, 30002);
        // since + last N: Hubble's first N at or after since (here all three from Kafka), not the range's last N
        assertThat(sourcePorts("node=" + node + "&last=3&since=" + t0.plusSeconds(30)))
                .containsExactly(30030, 30031, 30032);
        // across the boundary: 30..39 = 3 from Kafka + 7 from the ring
        assertThat(sourcePorts("node=" + node + "&since=" + t0.plusSeconds(30))).hasSize(10);
    }

    @Test
    void followerThatFallsBehindGetsLostEvents() throws Exception {
        int followersBefore = queries.activeFollowers();
        URI base = URI.create(ConfigProvider.getConfig().getValue("test.url", String.class));
        ManagedChannel channel = ManagedChannelBuilder.forAddress(base.getHost(), base.getPort())
                .usePlaintext()
                .build();
        try (FlowProducer producer = new FlowProducer()) {
            Iterator<GetFlowsResponse> stream = ObserverGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .getFlows(GetFlowsRequest.newBuilder()
                            .setFollow(true)
                            .addWhitelist(FlowFilter.newBuilder().addNodeName("lost-node"))
                            .build());
            await().atMost(Duration.ofSeconds(30)).until(() -> queries.activeFollowers() >= followersBefore + 1);
            var a = pod("lost", "a", 1000, "a");
            Instant t0 = Instant.now();
            List<Flow> flows = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                flows.add(HubbleFlows.forwarded(
                                t0.plusMillis(i), "lost-node", a, "10.8.0.1", 1000 + i % 60000, a, "10.8.0.1", 80)
                        .build());
            }
            producer.send(flows);
            long lost = 0;
            long delivered = 0;
            while (lost + delivered < 3000) {
                GetFlowsResponse response = stream.next();
                if (response.hasLostEvents()) {
                    assertThat(response.getLostEvents().getSource()).isEqualTo(LostEventSource.HUBBLE_RING_BUFFER);
                    assertThat(response.getNodeName()).isEqualTo("lost-node");
                    lost += response.getLostEvents().getNumEventsLost();
                } else {
                    delivered++;
                }
            }
            assertThat(lost).isPositive();
            assertThat(lost + delivered).isEqualTo(3000);
            String metrics = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(base + "/q/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(metrics).containsPattern("hubble_lost_events_total\\{source=\"hubble_ring_buffer\"} [1-9]");
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static List<Integer> sourcePorts(String query) throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (JsonNode row : FlowsApiTest.rows(query)) {
            ports.add(
                    row.path("flow").path("l4").path("TCP").path("source_port").asInt());
        }
        return ports;
    }
}
