package dev.tendril.identity.adapters;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.nullValue;

import dev.tendril.identity.adapters.persistence.StateRebuilder;
import dev.tendril.identity.app.Allocation;
import dev.tendril.identity.app.EndpointRegistry;
import dev.tendril.identity.app.IdentityAllocator;
import dev.tendril.identity.app.IdentityRecord;
import dev.tendril.identity.app.ReleaseFollower;
import dev.tendril.identity.domain.Endpoint;
import dev.tendril.identity.domain.EndpointSpec;
import dev.tendril.identity.domain.LabelSyntax;
import dev.tendril.identity.domain.Namespace;
import dev.tendril.identity.domain.StateSnapshot;
import dev.tendril.k8s.labels.Label;
import dev.tendril.k8s.labels.LabelSource;
import dev.tendril.k8s.labels.Labels;
import dev.tendril.testing.CompactedTopic;
import dev.tendril.testing.KafkaTestResource;
import dev.tendril.testing.PostgresTestResource;
import dev.tendril.testing.SharedInfrastructure;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** GC of unused identities against the real database: after the grace period, never while in use. */
@QuarkusTest
@WithTestResource(PostgresTestResource.class)
@WithTestResource(KafkaTestResource.class)
class GarbageCollectionTest {

    @Inject
    IdentityGarbageCollector collector;

    @Inject
    IdentityAllocator allocator;

    @Inject
    EndpointRegistry registry;

    @Inject
    StateRebuilder rebuilder;

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void releasesAnIdentityOnlyAfterItsGracePeriod() throws Exception {
        Allocation idle = allocator.allocate(LabelSyntax.parseLabels(List.of("k8s:app=" + unique("idle")), "labels"));

        assertThat(collector.collect(Duration.ofHours(1)))
                .extracting(IdentityRecord::id)
                .doesNotContain(idle.id());
        assertThat(allocator.find(idle.id())).isPresent();

        unusedFor(idle.id(), Duration.ofSeconds(2));
        List<IdentityRecord> released = collector.collect(Duration.ofSeconds(1));

        assertThat(released).extracting(IdentityRecord::id).contains(idle.id());
        assertThat(allocator.find(idle.id())).isEmpty();
        given().get("/v1/identities/" + idle.id()).then().statusCode(404);
        // The collector's own change, outside any request: recorded as the service's.
        given().queryParam("kind", "Identity")
                .queryParam("name", String.valueOf(idle.id()))
                .get("/v1/history")
                .then()
                .statusCode(200)
                .body("changes.type", contains("IdentityAllocated", "IdentityReleased"))
                .body("changes.principal", everyItem(equalTo("system:identity")))
                .body("changes[1].requestId", nullValue());
        // the label set gets an identity again on demand (a new allocation, not the stale cache entry)
        Allocation again = allocator.allocate(idle.labels());
        assertThat(again.created()).isTrue();
    }

    @Test
    void neverReleasesACidrIdentity() {
        int octet = java.util.concurrent.ThreadLocalRandom.current().nextInt(1, 250);
        Allocation cidr = allocator.allocate(
                LabelSyntax.parseLabels(List.of("cidr:10." + octet + ".0.0/16", "reserved:world"), "labels"));
        Allocation pod = allocator.allocate(LabelSyntax.parseLabels(List.of("k8s:app=" + unique("plain")), "labels"));

        List<IdentityRecord> released = collector.collect(Duration.ZERO);

        assertThat(released).extracting(IdentityRecord::id).contains(pod.id()).doesNotContain(cidr.id());
        assertThat(allocator.find(cidr.id())).isPresent();
    }

    @Test
    void releasesGarbageCidrAndReservedIdentitiesStoredBeforeClientsWereRefusedThem() {
        // Stored before validation at the edge: the allocator itself takes any label set.
        Label world = new Label(LabelSource.RESERVED, "world", "");
        Allocation garbage = allocator.allocate(Labels.of(new Label(LabelSource.CIDR, "---/0", ""), world));
        Allocation outOfRange = allocator.allocate(Labels.of(new Label(LabelSource.CIDR, "10.0.0.0/33", ""), world));
        Allocation secondHost = allocator.allocate(Labels.of(new Label(LabelSource.RESERVED, "host", "")));
        int octet = java.util.concurrent.ThreadLocalRandom.current().nextInt(1, 250);
        Allocation valid =
                allocator.allocate(Labels.of(new Label(LabelSource.CIDR, "10." + octet + ".0.0/16", ""), world));
        Allocation expandedV6 = allocator.allocate(Labels.of(
                new Label(LabelSource.CIDR, "2001-db8-" + Integer.toHexString(octet) + "-0-0-0-0-0/48", ""), world));
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> CompactedTopic.read("tendril.identities").containsKey(Long.toString(garbage.id())));

        List<IdentityRecord> released = collector.collect(Duration.ofHours(1));

        assertThat(released)
                .extracting(IdentityRecord::id)
                .contains(garbage.id(), outOfRange.id(), secondHost.id())
                .doesNotContain(valid.id(), expandedV6.id());
        assertThat(allocator.find(garbage.id())).isEmpty();
        assertThat(allocator.find(valid.id())).isPresent();
        given().get("/v1/identities").then().statusCode(200);
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> !CompactedTopic.read("tendril.identities").containsKey(Long.toString(garbage.id())));
    }

    @Test
    void aReplicaForgetsIdentitiesAnotherReplicaReleased() {
        Labels labels = LabelSyntax.parseLabels(List.of("k8s:app=" + unique("cached")), "labels");
        try (Replica serving = new Replica(SharedInfrastructure.postgres(), PostgresTestResource.DATABASE);
                Replica collecting = new Replica(SharedInfrastructure.postgres(), PostgresTestResource.DATABASE)) {
            ReleaseFollower follower = new ReleaseFollower(serving.storage, serving.allocator);
            follower.poll();
            Allocation first = serving.allocator.allocate(labels);
            assertThat(serving.allocator.allocate(labels).id()).isEqualTo(first.id());

            assertThat(collecting.allocator.collectGarbage(Duration.ZERO, 10_000))
                    .extracting(IdentityRecord::id)
                    .contains(first.id());
            assertThat(follower.poll()).isPositive();

            Allocation again = serving.allocator.allocate(labels);
            assertThat(again.created()).isTrue();
            assertThat(collecting.allocator.allocate(labels).id()).isEqualTo(again.id());
        }
    }

    @Test
    void neverReleasesAnIdentityAnEndpointUses() {
        String ns = unique("gc");
        registry.upsertNamespace(Namespace.of(ns, Map.of()));
        Endpoint endpoint = registry.register(EndpointSpec.of(
                ns, "busy", "u1", "node-1", List.of("10.90.0.1"), Map.of("app", "busy"), "", List.of()));

        assertThat(collector.collect(Duration.ZERO))
                .extracting(IdentityRecord::id)
                .doesNotContain(endpoint.identity());
        assertThat(allocator.find(endpoint.identity())).isPresent();

        registry.deregister(ns, "busy");
        assertThat(collector.collect(Duration.ZERO))
                .extracting(IdentityRecord::id)
                .contains(endpoint.identity());
    }

    @Test
    void neverReleasesAnIdentityWhileEndpointsComeAndGoInAnotherReplica() throws Exception {
        String ns = unique("churn");
        registry.upsertNamespace(Namespace.of(ns, Map.of()));
        try (Replica agents = new Replica(SharedInfrastructure.postgres(), PostgresTestResource.DATABASE);
                Replica gc = new Replica(SharedInfrastructure.postgres(), PostgresTestResource.DATABASE)) {
            ExecutorService threads = Executors.newFixedThreadPool(5);
            AtomicBoolean running = new AtomicBoolean(true);
            Future<Integer> collecting = threads.submit(() -> {
                int released = 0;
                while (running.get()) {
                    released += gc.allocator.collectGarbage(Duration.ZERO, 100).size();
                }
                return released;
            });
            List<Future<?>> churn = new java.util.ArrayList<>();
            for (int worker = 0; worker < 4; worker++) {
                int w = worker;
                churn.add(threads.submit(() -> {
                    for (int i = 0; i < 60; i++) {
                        String pod = "p" + w + "-" + (i % 3);
                        Endpoint e = agents.registry.register(EndpointSpec.of(
                                ns,
                                pod,
                                "u",
                                "node-1",
                                List.of("10.91." + w + "." + (i % 3 + 1)),
                                Map.of("app", "a" + (i % 4)),
                                "",
                                List.of()));
                        assertThat(agents.allocator.find(e.identity()))
                                .as("identity of a live endpoint")
                                .isPresent();
                        if (i % 2 == 1) {
                            agents.registry.deregister(ns, pod);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : churn) {
                f.get();
            }
            running.set(false);
            assertThat(collecting.get()).isPositive();
            threads.shutdown();
        }
        StateSnapshot state = rebuilder.readModel();
        for (Endpoint endpoint : state.endpoints().values()) {
            assertThat(state.identities()).as("identity of " + endpoint.key()).containsKey(endpoint.identity());
        }
        Map<Long, Integer> counts = new java.util.TreeMap<>();
        state.endpoints().values().forEach(e -> counts.merge(e.identity(), 1, Integer::sum));
        counts.forEach((id, count) ->
                assertThat(state.endpointCounts().get(id)).as("uses of " + id).isEqualTo(count));
    }

    /** Ages an identity's idle time in the database instead of sleeping through the grace period. */
    private static void unusedFor(long id, Duration idle) throws java.sql.SQLException {
        try (java.sql.Connection connection = SharedInfrastructure.postgres()
                        .dataSource(PostgresTestResource.DATABASE)
                        .getConnection();
                java.sql.PreparedStatement age = connection.prepareStatement(
                        "UPDATE identity.identities SET unused_since = unused_since - make_interval(secs => ?) WHERE id = ?")) {
            age.setDouble(1, idle.toMillis() / 1000.0);
            age.setLong(2, id);
            if (age.executeUpdate() != 1) {
                throw new AssertionError("identity " + id + " has no row to age");
            }
        }
    }
}
