package dev.tendril.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tendril.api.v1.Endpoint;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalEndpointTableTest {

    static Endpoint topic(String pod, String uid, String node, int identity) {
        return Endpoint.newBuilder()
                .setNamespace("shop")
                .setPod(pod)
                .setUid(uid)
                .setNode(node)
                .setIpv4("10.0.1.9")
                .setIdentity(identity)
                .build();
    }

    @Test
    void mergesApiAndTopicEndpointsKeepsIdsAndFreesThemWhenGone() {
        LocalEndpointTable t = new LocalEndpointTable("node-1", LocalEndpointTable.Snapshot.EMPTY);
        int apiId = t.reserveId("u-api");
        t.register(new LocalEndpoint("shop", "api-1", "u-api", apiId, "10.0.1.2", "", 1002), "d");
        NodeImage img = new NodeImage(
                Map.of(),
                Map.of(
                        "shop/api-1", topic("api-1", "u-api", "node-1", 1003),
                        "shop/web-1", topic("web-1", "u-web", "node-1", 1001),
                        "shop/db-1", topic("db-1", "u-db", "node-2", 1001)),
                Map.of());

        List<LocalEndpoint> locals = t.resolve(img);

        assertThat(locals)
                .extracting(LocalEndpoint::pod, LocalEndpoint::endpointId, LocalEndpoint::identity)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("api-1", 1, 1003L),
                        org.assertj.core.groups.Tuple.tuple("web-1", 2, 1001L));
        assertThat(t.resolve(NodeImage.EMPTY)).extracting(LocalEndpoint::pod).containsExactly("api-1");
        assertThat(t.snapshot().ids()).isEqualTo(Map.of("u-api", 1));

        // Deleted through the API: the topic's record of that uid is ignored until its tombstone.
        t.remove("shop/api-1");
        assertThat(t.resolve(img)).extracting(LocalEndpoint::pod).containsExactly("web-1");
        assertThat(t.snapshot().deletedUids()).containsExactly("u-api");
        assertThat(t.resolve(NodeImage.EMPTY)).isEmpty();
        assertThat(t.snapshot().deletedUids()).isEmpty();
    }

    @Test
    void keepsTheIdOfACreationInFlightWhenTheImageResolvesMeanwhile() {
        LocalEndpointTable t = new LocalEndpointTable("node-1", LocalEndpointTable.Snapshot.EMPTY);
        t.register(new LocalEndpoint("shop", "api-1", "u-api", t.reserveId("u-api"), "10.0.1.2", "", 1002), "d");
        int webId = t.reserveId("u-web");

        // The topic consumer resolves while the endpoint API still waits for IPAM and identity.
        t.resolve(NodeImage.EMPTY);
        t.register(new LocalEndpoint("shop", "web-1", "u-web", webId, "10.0.1.3", "", 1001), "d");
        int dbId = t.reserveId("u-db");

        assertThat(webId).isEqualTo(2);
        assertThat(dbId).as("the next creation's id").isEqualTo(3);
        assertThat(t.snapshot().ids()).isEqualTo(Map.of("u-api", 1, "u-web", 2, "u-db", 3));
    }

    @Test
    void releasesTheIdOfACreationThatFailed() {
        LocalEndpointTable t = new LocalEndpointTable("node-1", LocalEndpointTable.Snapshot.EMPTY);
        int failed = t.reserveId("u-failed");

        t.release("u-failed");
        t.resolve(NodeImage.EMPTY);

        assertThat(t.reserveId("u-next")).isEqualTo(failed);
        assertThat(t.snapshot().ids()).isEqualTo(Map.of("u-next", 1));
    }

    @Test
    void anEndpointPublishedThenDroppedByTheTopicIsGoneUpstreamAlsoAfterARestart() throws Exception {
        ObjectMapper json = new ObjectMapper();
        LocalEndpointTable t = new LocalEndpointTable("node-1", LocalEndpointTable.Snapshot.EMPTY);
        t.register(new LocalEndpoint("shop", "api-1", "u-api", t.reserveId("u-api"), "10.0.1.2", "", 1002), "d");
        t.resolveLatest(
                new NodeImage(Map.of(), Map.of("shop/api-1", topic("api-1", "u-api", "node-1", 1002)), Map.of()));

        // The agent restarts; meanwhile the endpoint was deleted at the identity service (compacted away).
        LocalEndpointTable restarted = new LocalEndpointTable(
                "node-1", json.readValue(json.writeValueAsBytes(t.snapshot()), LocalEndpointTable.Snapshot.class));
        assertThat(restarted.resolve(NodeImage.EMPTY))
                .as("an image not known to be the newest decides nothing")
                .extracting(LocalEndpoint::pod)
                .containsExactly("api-1");
        assertThat(restarted.resolveLatest(NodeImage.EMPTY)).isEmpty();
        assertThat(restarted.goneUpstream()).extracting(LocalEndpoint::pod).containsExactly("api-1");
        assertThat(restarted.isDeleting("shop/api-1")).isTrue();
        assertThat(restarted.snapshot().ids())
                .as("kept until the deletion is finished")
                .containsKey("u-api");

        restarted.remove("shop/api-1");
        assertThat(restarted.goneUpstream()).isEmpty();
        assertThat(restarted.snapshot().ids()).isEmpty();
        assertThat(restarted.snapshot().deletedUids())
                .as("its tombstone is in already")
                .isEmpty();
    }

    @Test
    void anotherIncarnationOnTheTopicAlsoMeansDeletedUpstream() {
        LocalEndpointTable t = new LocalEndpointTable("node-1", LocalEndpointTable.Snapshot.EMPTY);
        t.register(new LocalEndpoint("shop", "api-1", "u-api", t.reserveId("u-api"), "10.0.1.2", "", 1002), "d");
        t.resolveLatest(
                new NodeImage(Map.of(), Map.of("shop/api-1", topic("api-1", "u-api", "node-1", 1002)), Map.of()));

        t.resolveLatest(
                new NodeImage(Map.of(), Map.of("shop/api-1", topic("api-1", "u-new", "node-2", 1002)), Map.of()));

        assertThat(t.goneUpstream()).extracting(LocalEndpoint::uid).containsExactly("u-api");
    }

    @Test
    void snapshotRoundTripsThroughJson() throws Exception {
        LocalEndpointTable t = new LocalEndpointTable("node-1", LocalEndpointTable.Snapshot.EMPTY);
        t.register(
                new LocalEndpoint("shop", "api-1", "u-api", t.reserveId("u-api"), "10.0.1.2", "fd00::2", 1002),
                "digest");
        t.markDeleting("shop/api-1");
        ObjectMapper json = new ObjectMapper();

        LocalEndpointTable.Snapshot back =
                json.readValue(json.writeValueAsBytes(t.snapshot()), LocalEndpointTable.Snapshot.class);

        assertThat(back).isEqualTo(t.snapshot());
        assertThat(new LocalEndpointTable("node-1", back).isDeleting("shop/api-1"))
                .isTrue();
    }
    /**
     * The consumer's path (a delta's image, looked up only where the delta replays keys, and the last answer
     * again for an unchanged node) answers as a table restored from the same state answers the whole image, over
     * random batches of topic records interleaved with API creations, deletions and re-creations.
     */
    @Test
    void resolvingADeltaAnswersAsTheWholeImageDoes() {
        java.util.Random random = new java.util.Random(5);
        LocalEndpointTable t = new LocalEndpointTable("node-1", LocalEndpointTable.Snapshot.EMPTY);
        NodeImage image = NodeImage.EMPTY;
        t.resolveLatest(image);
        for (int step = 0; step < 600; step++) {
            // The API: a creation, a deletion or a deletion's start, now and then.
            int pod = random.nextInt(12);
            String key = "shop/p-" + pod;
            switch (random.nextInt(8)) {
                case 0 -> {
                    if (t.registered(key).isEmpty()) {
                        String uid = "u-" + pod + "-" + random.nextInt(3);
                        t.register(new LocalEndpoint("shop", "p-" + pod, uid, t.reserveId(uid), "", "", 7), "d");
                    }
                }
                case 1 -> t.registered(key).ifPresent(e -> t.remove(key));
                case 2 -> t.registered(key).ifPresent(e -> t.markDeleting(key));
                default -> {}
            }
            // A batch of topic records: endpoints on this node or another, other incarnations, tombstones; some
            // batches touch no endpoint of this node.
            NodeDelta delta = new NodeDelta(image);
            for (int r = random.nextInt(4); r > 0; r--) {
                int p = random.nextInt(12);
                String node = random.nextInt(3) == 0 ? "node-2" : "node-1";
                Endpoint e = topic("p-" + p, "u-" + p + "-" + random.nextInt(3), node, 1000 + random.nextInt(3));
                delta.replay(StateTopic.ENDPOINTS, "shop/p-" + p, random.nextInt(4) == 0 ? null : e.toByteArray());
            }
            NodeImage next = delta.apply();
            LocalEndpointTable whole = new LocalEndpointTable("node-1", t.snapshot());

            List<LocalEndpoint> byDelta = t.resolveLatest(next, delta);
            List<LocalEndpoint> byImage = whole.resolveLatest(next);

            assertThat(byDelta).as("step %d", step).isEqualTo(byImage);
            assertThat(t.snapshot()).as("step %d", step).isEqualTo(whole.snapshot());
            if (t.snapshot().deletedUids().isEmpty()) {
                // Nothing deleted through the API waits for its tombstone: the same answer, not a new pass.
                assertThat(t.resolve(next)).isSameAs(byDelta);
            } else {
                assertThat(t.resolve(next)).isEqualTo(byDelta);
            }
            image = next;
        }
    }
}
